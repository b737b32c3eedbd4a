package io.canarybalancer.balancer.proxy.http1;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;

import static io.canarybalancer.balancer.proxy.http1.RawHeads.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HeadBufferTest {
    private static final int START_LINE = 64;
    private static final int FIELD_SECTION = 256;
    private static final String HEAD = "GET /a HTTP/1.1\r\nHost: lb\r\n\r\n";

    private final HeadBuffer buffer = new HeadBuffer(START_LINE, FIELD_SECTION, 414);

    @Test
    void aCompleteHeadEndsJustPastItsEmptyLineAndLeavesTheBytesAfterIt() {
        ByteBuf in = Unpooled.wrappedBuffer(bytes("junk" + HEAD + "BODY"));

        int end = buffer.append(in, 4, in.writerIndex());

        assertThat(end).isEqualTo(4 + HEAD.length());
        assertThat(in.readerIndex()).as("the input's indexes are the caller's").isZero();
        assertThat(buffer.complete()).isTrue();
        assertThat(new String(buffer.bytes(), buffer.start(), buffer.end() - buffer.start())).isEqualTo(HEAD);
        assertThat(buffer.startLineEnd()).isEqualTo("GET /a HTTP/1.1\r\n".length());
    }

    @Test
    void aHeadInPiecesIsMoreUntilTheEmptyLineAndHasItsStartLineAsSoonAsItsCrlfArrives() {
        ByteBuf in = Unpooled.wrappedBuffer(bytes(HEAD + "next"));
        int lineEnd = "GET /a HTTP/1.1\r".length();

        assertThat(buffer.started()).isFalse();
        assertThat(buffer.append(in, 0, lineEnd)).isEqualTo(HeadBuffer.MORE);
        assertThat(buffer.started()).isTrue();
        assertThat(buffer.hasStartLine()).isFalse();
        assertThat(buffer.append(in, lineEnd, lineEnd + 1)).isEqualTo(HeadBuffer.MORE);
        assertThat(buffer.hasStartLine()).isTrue();
        assertThat(buffer.append(in, lineEnd + 1, HEAD.length() - 1)).isEqualTo(HeadBuffer.MORE);
        assertThat(buffer.complete()).isFalse();
        assertThat(buffer.append(in, HEAD.length() - 1, in.writerIndex())).isEqualTo(HEAD.length());
        assertThat(buffer.complete()).isTrue();
    }

    @Test
    void aHeadSplitAtEveryByteEndsAtTheSamePlace() {
        byte[] raw = bytes(HEAD + "BODY");
        for (int cut = 0; cut <= raw.length; cut++) {
            HeadBuffer pieces = new HeadBuffer(START_LINE, FIELD_SECTION, 414);
            ByteBuf in = Unpooled.wrappedBuffer(raw);
            int first = pieces.append(in, 0, Math.min(cut, raw.length));
            int end = first >= 0 || cut >= raw.length ? first : pieces.append(in, cut, raw.length);

            assertThat(end).as("cut at %d", cut).isEqualTo(HEAD.length());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "GET / HTTP/1.1\nHost: lb\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: lb\nX-A: b\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: lb\r\n\n",
            "\nGET / HTTP/1.1\r\nHost: lb\r\n\r\n",
            "\r\n\nGET / HTTP/1.1\r\nHost: lb\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: lb\rX-A: b\r\n\r\n",
            "GET / HTTP/1.1\r\r\nHost: lb\r\n\r\n",
            "GET /\r HTTP/1.1\r\nHost: lb\r\n\r\n",
            "\rGET / HTTP/1.1\r\nHost: lb\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: lb\r\n\r\r\n",
    })
    void aBareCrOrLfIsRefusedWith400HoweverTheBytesArrive(String head) {
        byte[] raw = bytes(head);
        String whole = outcome(raw, raw.length);

        assertThat(whole).matches("400 a (line ended by a )?bare (CR|LF).*");
        for (int piece = 1; piece < raw.length; piece++) {
            assertThat(outcome(raw, piece)).as("in pieces of %d", piece).isEqualTo(whole);
        }
    }

    @Test
    void emptyLinesBeforeTheStartLineAreSkipped() {
        String head = "\r\n\r\n" + HEAD;
        ByteBuf in = Unpooled.wrappedBuffer(bytes(head));

        assertThat(buffer.append(in, 0, in.writerIndex())).isEqualTo(head.length());
        assertThat(buffer.start()).isEqualTo(4);
        assertThat(new String(buffer.bytes(), buffer.start(), buffer.startLineEnd() - buffer.start()))
                .isEqualTo("GET /a HTTP/1.1\r\n");
    }

    @Test
    void aStartLineOfExactlyTheLimitIsAcceptedAndOneByteMoreIsRefusedWithTheStartLinesStatus() {
        String line = "GET /" + "a".repeat(START_LINE - "GET / HTTP/1.1".length()) + " HTTP/1.1";
        assertThat(line).hasSize(START_LINE);
        byte[] atLimit = bytes(line + "\r\nHost: lb\r\n\r\n");
        byte[] over = bytes(line.replace("GET", "POST") + "\r\nHost: lb\r\n\r\n");

        for (int piece = 1; piece <= over.length; piece++) {
            assertThat(outcome(atLimit, piece)).as("in pieces of %d", piece).isEqualTo("complete");
            assertThat(outcome(over, piece)).as("in pieces of %d", piece).isEqualTo("414 the start line is too long");
        }
        HeadBuffer response = new HeadBuffer(START_LINE, FIELD_SECTION, 502);
        assertThat(response.append(Unpooled.wrappedBuffer(over), 0, over.length)).isEqualTo(HeadBuffer.FAILED);
        assertThat(response.status()).isEqualTo(502);
    }

    @Test
    void aLongStartLineIsRefusedBeforeItsEndArrives() {
        byte[] endless = bytes("GET /" + "a".repeat(10 * START_LINE));

        assertThat(outcome(endless, 7)).isEqualTo("414 the start line is too long");
    }

    @Test
    void aFieldSectionOfExactlyTheLimitIsAcceptedAndOneByteMoreIsRefusedWith431() {
        String fields = "Host: lb\r\n" + "X-A: " + "a".repeat(FIELD_SECTION - "Host: lb\r\nX-A: \r\n".length()) + "\r\n";
        assertThat(fields).hasSize(FIELD_SECTION);
        byte[] atLimit = bytes("GET / HTTP/1.1\r\n" + fields + "\r\n");
        byte[] over = bytes("GET / HTTP/1.1\r\n" + fields.replace("X-A", "X-AB") + "\r\n");
        byte[] overInTheMiddle = bytes("GET / HTTP/1.1\r\n" + fields.replace("X-A", "X-AB") + "X-C: c\r\n\r\n");

        for (int piece = 1; piece <= over.length; piece++) {
            assertThat(outcome(atLimit, piece)).as("in pieces of %d", piece).isEqualTo("complete");
            assertThat(outcome(over, piece)).as("in pieces of %d", piece).isEqualTo("431 the header section is too large");
            assertThat(outcome(overInTheMiddle, piece)).as("in pieces of %d", piece)
                    .isEqualTo("431 the header section is too large");
        }
    }

    @Test
    void aHeadLargerThanTheInitialArrayIsCollectedWhole() {
        HeadBuffer large = new HeadBuffer(8192, 16384, 414);
        String head = "GET / HTTP/1.1\r\nHost: lb\r\nCookie: " + "c".repeat(9000) + "\r\n\r\n";
        byte[] raw = bytes(head);
        ByteBuf in = Unpooled.wrappedBuffer(raw);

        for (int from = 0; from < raw.length; from += 700) {
            large.append(in, from, Math.min(raw.length, from + 700));
        }

        assertThat(large.complete()).isTrue();
        assertThat(Arrays.copyOfRange(large.bytes(), large.start(), large.end())).isEqualTo(raw);
    }

    @Test
    void resetForgetsTheHeadAndKeepsTheBufferForTheNext() {
        ByteBuf in = Unpooled.wrappedBuffer(bytes(HEAD + "POST /b HTTP/1.1\r\nHost: lb\r\n\r\n"));
        int end = buffer.append(in, 0, in.writerIndex());
        byte[] array = buffer.bytes();

        assertThatThrownBy(() -> buffer.append(in, end, in.writerIndex())).isInstanceOf(IllegalStateException.class);
        buffer.reset();
        assertThat(buffer.started()).isFalse();
        assertThat(buffer.append(in, end, in.writerIndex())).isEqualTo(in.writerIndex());
        assertThat(buffer.bytes()).isSameAs(array);
        assertThat(new String(buffer.bytes(), buffer.start(), buffer.startLineEnd() - buffer.start()))
                .isEqualTo("POST /b HTTP/1.1\r\n");
    }

    @Test
    void aFailedHeadTakesNoMoreBytesUntilReset() {
        ByteBuf in = Unpooled.wrappedBuffer(bytes("GET /\n" + HEAD));
        assertThat(buffer.append(in, 0, 6)).isEqualTo(HeadBuffer.FAILED);

        assertThatThrownBy(() -> buffer.append(in, 6, in.writerIndex())).isInstanceOf(IllegalStateException.class);
        buffer.reset();
        assertThat(buffer.append(in, 6, in.writerIndex())).isEqualTo(in.writerIndex());
    }

    /** Feeds {@code raw} in pieces of {@code piece} bytes: "complete", "more" or the status and problem. */
    private static String outcome(byte[] raw, int piece) {
        HeadBuffer head = new HeadBuffer(START_LINE, FIELD_SECTION, 414);
        ByteBuf in = Unpooled.wrappedBuffer(raw);
        for (int from = 0; from < raw.length; from += piece) {
            int end = head.append(in, from, Math.min(raw.length, from + piece));
            if (end == HeadBuffer.FAILED) {
                return head.status() + " " + head.problem();
            }
            if (end >= 0) {
                return "complete";
            }
        }
        return "more";
    }
}
