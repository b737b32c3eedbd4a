package io.canarybalancer.balancer.proxy.http1;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class BodyFramingTest {
    private static final int LINE_LIMIT = 1024;
    private static final int TRAILER_LIMIT = 256;
    private static final String NEXT = "GET /next HTTP/1.1\r\n";

    @Test
    void aZeroLengthBodyIsDoneAtOnceAndTakesNothing() {
        BodyFraming framing = framing();
        framing.expectLength(0);
        assertThat(framing.done()).isTrue();

        Result result = scan(framing, NEXT);

        assertThat(result.end).isZero();
        assertThat(result.output).isEmpty();
        assertThat(result.forwards).isEmpty();
    }

    @Test
    void aLengthBodyEndsAfterExactlyItsLengthAndLeavesTheNextMessageUnreported() {
        BodyFraming framing = framing();
        framing.expectLength(5);

        Result result = scan(framing, "hello" + NEXT);

        assertThat(result.end).isEqualTo(5);
        assertThat(result.output).isEqualTo("hello");
        assertThat(result.forwards).as("one coalesced range").hasSize(1);
        assertThat(framing.done()).isTrue();
        assertThat(framing.dataBytes()).isEqualTo(5);
    }

    @Test
    void aLengthBodySplitAtEveryPointGivesTheSameBytesAndEnd() {
        String input = "0123456789" + NEXT;
        for (int cut = 0; cut <= input.length(); cut++) {
            BodyFraming framing = framing();
            framing.expectLength(10);

            Result result = scanSplit(framing, input, new int[] {cut});

            assertThat(result.end).as("cut at %d", cut).isEqualTo(10);
            assertThat(result.output).as("cut at %d", cut).isEqualTo("0123456789");
        }
    }

    @Test
    void aLengthBodyLongerThanTheBytesReceivedWantsMore() {
        BodyFraming framing = framing();
        framing.expectLength(1L << 40);
        ByteBuf buf = bytes("abc");

        int end = framing.scan(buf, 0, 3, new Recorder(buf));

        assertThat(end).isEqualTo(3);
        assertThat(framing.done()).isFalse();
        assertThat(framing.dataBytes()).isEqualTo(3);
    }

    @Test
    void aCloseDelimitedBodyTakesEverythingAndNeverEnds() {
        BodyFraming framing = framing();
        framing.expectUntilClose();

        Result result = scanSplit(framing, "abc\r\n0\r\n\r\nxyz", new int[] {2, 7});

        assertThat(result.end).isEqualTo(-2); // not done: all taken
        assertThat(result.output).isEqualTo("abc\r\n0\r\n\r\nxyz");
        assertThat(framing.done()).isFalse();
        assertThat(framing.dataBytes()).isEqualTo(13);
    }

    @Test
    void chunkedPassThroughReproducesTheBytesExactlyInOneRange() {
        String body = "3\r\nabc\r\n00A\r\n0123456789\r\nf\r\n" + "x".repeat(15) + "\r\n0\r\nX-Sum: 1\r\nY:\t2 \r\n\r\n";
        BodyFraming framing = framing();
        framing.expectChunked(true);

        Result result = scan(framing, body + NEXT);

        assertThat(result.end).isEqualTo(body.length());
        assertThat(result.output).isEqualTo(body);
        assertThat(result.forwards).hasSize(1);
        assertThat(framing.done()).isTrue();
        assertThat(framing.dataBytes()).isEqualTo(3 + 10 + 15);
    }

    @Test
    void chunkExtensionsAreDroppedAndTheRestForwarded() {
        String body = "3;name=value\r\nabc\r\n4 ; a ; b = \"q\\\"x\" ;c=d\r\nwxyz\r\n0;last\r\n\r\n";
        BodyFraming framing = framing();
        framing.expectChunked(true);

        Result result = scan(framing, body + NEXT);

        assertThat(result.end).isEqualTo(body.length());
        assertThat(result.output).isEqualTo("3\r\nabc\r\n4\r\nwxyz\r\n0\r\n\r\n");
        assertThat(result.forwards).as("a gap where each extension was").hasSize(4);
        assertThat(framing.problem()).isNull();
    }

    @Test
    void dechunkingForwardsOnlyTheData() {
        String body = "3;x=y\r\nabc\r\n0000a\r\n0123456789\r\n0\r\nX-Sum: 1\r\n\r\n";
        BodyFraming framing = framing();
        framing.expectChunked(false);

        Result result = scan(framing, body + NEXT);

        assertThat(result.end).isEqualTo(body.length());
        assertThat(result.output).isEqualTo("abc0123456789");
        assertThat(result.forwards).hasSize(2);
        assertThat(framing.dataBytes()).isEqualTo(13);
    }

    @Test
    void trailersAreKeptWhenKeepingTheFramingAndDroppedWhenDechunking() {
        String body = "1\r\na\r\n0\r\nX-Checksum: abc\r\nX-Other: \"quoted\" \t\u00e9\r\n\r\n";
        BodyFraming keeping = framing();
        keeping.expectChunked(true);
        BodyFraming dechunking = framing();
        dechunking.expectChunked(false);

        assertThat(scan(keeping, body).output).isEqualTo(body);
        assertThat(scan(dechunking, body).output).isEqualTo("a");
        assertThat(keeping.done()).isTrue();
        assertThat(dechunking.done()).isTrue();
    }

    @Test
    void theLargestSizeThatFitsALongIsAccepted() {
        BodyFraming framing = framing();
        framing.expectChunked(true);

        Result result = scan(framing, "7fffffffffffffff\r\nabc");

        assertThat(result.end).isEqualTo(-2);
        assertThat(framing.problem()).isNull();
        assertThat(framing.dataBytes()).isEqualTo(3);
    }

    @Test
    void theLimitsAreInclusive() {
        BodyFraming framing = new BodyFraming(10, 10);
        framing.expectChunked(true);
        String body = "3;abcdefgh\r\nabc\r\n0\r\nX: 12345\r\n\r\n"; // a 10-byte size line, 10 bytes of trailers

        assertThat(scan(framing, body).end).isEqualTo(body.length());

        framing.expectChunked(true);
        assertThat(scan(framing, "3;abcdefghi\r\n").end).isEqualTo(-1);
        assertThat(framing.problem()).isEqualTo("chunk line too long");

        framing.expectChunked(true);
        assertThat(scan(framing, "0\r\nX: 123456\r\n\r\n").end).isEqualTo(-1);
        assertThat(framing.problem()).isEqualTo("trailer section too large");
    }

    @Test
    void aMalformedBodyStaysMalformedUntilTheNextExpect() {
        BodyFraming framing = framing();
        framing.expectChunked(true);
        assertThat(scan(framing, "zz\r\n").end).isEqualTo(-1);

        assertThat(scan(framing, "0\r\n\r\n").end).isEqualTo(-1);
        assertThat(framing.done()).isFalse();

        framing.expectLength(2);
        assertThat(framing.problem()).isNull();
        assertThat(scan(framing, "ok").end).isEqualTo(2);
    }

    @Test
    void theBytesOfTheScanThatFindsTheFaultAreNotReported() {
        BodyFraming framing = framing();
        framing.expectChunked(true);

        Result result = scan(framing, "3\r\nabc\r\n2\r\nxyZZ");

        assertThat(result.end).isEqualTo(-1);
        assertThat(result.output).isEmpty();
    }

    @Test
    void aDirectBufferIsReadTheSameWay() {
        String body = "3;e\r\nabc\r\n0\r\nT: v\r\n\r\n";
        byte[] raw = (body + NEXT).getBytes(StandardCharsets.ISO_8859_1);
        ByteBuf direct = Unpooled.directBuffer(raw.length + 4).writeZero(4).writeBytes(raw);
        try {
            BodyFraming framing = framing();
            framing.expectChunked(true);
            Recorder recorder = new Recorder(direct);

            int end = framing.scan(direct, 4, 4 + raw.length, recorder);

            assertThat(end).isEqualTo(4 + body.length());
            assertThat(recorder.output()).isEqualTo("3\r\nabc\r\n0\r\nT: v\r\n\r\n");
            assertThat(direct.readerIndex()).isZero();
            assertThat(direct.writerIndex()).isEqualTo(4 + raw.length);
        } finally {
            direct.release();
        }
    }

    static Stream<Arguments> malformed() {
        String longExtension = "3;x=" + "y".repeat(2000) + "\r\nabc\r\n0\r\n\r\n";
        return Stream.of(
                // The corpus's chunked cases (MalformedRequestsIT).
                bad("zz\r\nabc\r\n0\r\n\r\n", "invalid chunk size"),
                bad("+3\r\nabc\r\n0\r\n\r\n", "invalid chunk size"),
                bad("3;a=\"b\r\nabc\r\n0\r\n\r\n", "invalid chunk extension"),
                bad(longExtension, "chunk line too long"),
                bad("3\r\nabcXX0\r\n\r\n", "chunk data not followed by CRLF"),
                bad("3\nabc\n0\n\n", "bare LF in chunk line"),
                // Sizes.
                bad("-3\r\nabc\r\n0\r\n\r\n", "invalid chunk size"),
                bad("0x3\r\nabc\r\n0\r\n\r\n", "invalid chunk size"),
                bad(" 3\r\nabc\r\n0\r\n\r\n", "invalid chunk size"),
                bad("3 \r\nabc\r\n0\r\n\r\n", "invalid chunk size"),
                bad("3\t\r\nabc\r\n0\r\n\r\n", "invalid chunk size"),
                bad("\r\nabc\r\n0\r\n\r\n", "invalid chunk size"),
                bad("3g\r\nabc\r\n0\r\n\r\n", "invalid chunk size"),
                bad("10000000000000000\r\n", "invalid chunk size"), // 17 digits
                bad("00000000000000003\r\nabc\r\n0\r\n\r\n", "invalid chunk size"), // 17 digits, small value
                bad("8000000000000000\r\n", "invalid chunk size"), // 2^63
                bad("ffffffffffffffff\r\n", "invalid chunk size"),
                bad("3\rabc\r\n0\r\n\r\n", "bare CR in chunk line"),
                bad("3;a\nabc\r\n0\r\n\r\n", "bare LF in chunk line"),
                bad("3\r\nabc\r\n0\n\r\n", "bare LF in chunk line"),
                // Extensions.
                bad("3;\r\nabc\r\n0\r\n\r\n", "invalid chunk extension"),
                bad("3;=b\r\nabc\r\n0\r\n\r\n", "invalid chunk extension"),
                bad("3;a=\r\nabc\r\n0\r\n\r\n", "invalid chunk extension"),
                bad("3;a b\r\nabc\r\n0\r\n\r\n", "invalid chunk extension"),
                bad("3;a \r\nabc\r\n0\r\n\r\n", "invalid chunk extension"),
                bad("3;a=b \r\nabc\r\n0\r\n\r\n", "invalid chunk extension"),
                bad("3;a=b c\r\nabc\r\n0\r\n\r\n", "invalid chunk extension"),
                bad("3;a@b\r\nabc\r\n0\r\n\r\n", "invalid chunk extension"),
                bad("3;a=\"b\"c\r\nabc\r\n0\r\n\r\n", "invalid chunk extension"),
                bad("3;a=\"b\u0001\"\r\nabc\r\n0\r\n\r\n", "invalid chunk extension"),
                bad("3;a=\"b\\\u0000\"\r\nabc\r\n0\r\n\r\n", "invalid chunk extension"),
                bad("3;a=b;\r\nabc\r\n0\r\n\r\n", "invalid chunk extension"),
                bad("0;a=\"open\r\n\r\n", "invalid chunk extension"),
                // Data terminators.
                bad("3\r\nabc\n0\r\n\r\n", "chunk data not followed by CRLF"),
                bad("3\r\nabc\rX0\r\n\r\n", "chunk data not followed by CRLF"),
                bad("3\r\nabcd\r\n0\r\n\r\n", "chunk data not followed by CRLF"),
                // Trailers.
                bad("0\r\nX-a :b\r\n\r\n", "invalid trailer field"),
                bad("0\r\nX a: b\r\n\r\n", "invalid trailer field"),
                bad("0\r\n: b\r\n\r\n", "invalid trailer field"),
                bad("0\r\nX-a\r\n\r\n", "invalid trailer field"),
                bad("0\r\nX-a: b\r\n c\r\n\r\n", "invalid trailer field"), // obs-fold
                bad("0\r\nX-a: b\u0001\r\n\r\n", "invalid trailer field"),
                bad("0\r\nX-a: b\u007f\r\n\r\n", "invalid trailer field"),
                bad("0\r\nX-a: b\nY: c\r\n\r\n", "invalid trailer field"),
                bad("0\r\nX-a: b\rY: c\r\n\r\n", "invalid trailer field"),
                bad("0\r\n\n", "invalid trailer field"),
                bad("0\r\n\rX", "invalid trailer field"),
                bad("0\r\nX: " + "v".repeat(TRAILER_LIMIT) + "\r\n\r\n", "trailer section too large"),
                bad("0\r\n" + "X: v\r\n".repeat(TRAILER_LIMIT / 6 + 1) + "\r\n", "trailer section too large"));
    }

    private static Arguments bad(String body, String problem) {
        return Arguments.of(body, problem);
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void malformedFramingIsRefusedWithItsReason(String body, String problem) {
        for (boolean keepFraming : new boolean[] {true, false}) {
            BodyFraming whole = framing();
            whole.expectChunked(keepFraming);
            BodyFraming byteByByte = framing();
            byteByByte.expectChunked(keepFraming);

            assertThat(scan(whole, body).end).isEqualTo(-1);
            assertThat(whole.problem()).isEqualTo(problem);
            assertThat(whole.done()).isFalse();
            assertThat(scanSplit(byteByByte, body, everyByte(body)).end).isEqualTo(-1);
            assertThat(byteByByte.problem()).isEqualTo(problem);
        }
    }

    /**
     * The property the proxy relies on: however the reads split the bytes, the forwarded bytes and
     * the end are those of one scan over the whole input. Valid bodies also check the output against
     * what the generator expects; mutated ones exercise the malformed paths.
     */
    @Test
    void splittingTheInputAnywhereChangesNothing() {
        Random random = new Random(20240614L);
        int valid = 0;
        for (int n = 0; n < 500; n++) {
            Case c = randomCase(random);
            String input = c.body;
            boolean mutated = random.nextInt(4) == 0;
            if (mutated) {
                input = mutate(input, random);
            }
            input += NEXT;

            BodyFraming whole = framing();
            c.expect.accept(whole);
            Result expected = scan(whole, input);
            if (!mutated) {
                assertThat(expected.end).as("case %d ends where the body does: %s", n, c.body).isEqualTo(c.body.length());
                assertThat(expected.output).as("case %d", n).isEqualTo(c.output);
                valid++;
            }
            Result byteByByte = null;
            for (int split = 0; split < 4; split++) {
                int[] cuts = split == 0 ? everyByte(input) : randomCuts(input.length(), random);
                BodyFraming pieces = framing();
                c.expect.accept(pieces);

                Result actual = scanSplit(pieces, input, cuts);
                byteByByte = split == 0 ? actual : byteByByte;

                assertThat(actual.end).as("case %d, input %s", n, input).isEqualTo(expected.end);
                assertThat(pieces.problem()).isEqualTo(whole.problem());
                assertThat(pieces.dataBytes()).isEqualTo(whole.dataBytes());
                if (actual.end == -1) {
                    // What the failing scan reported is discarded, so only the earlier pieces count:
                    // byte by byte, that is everything before the fault.
                    assertThat(byteByByte.output).as("case %d, input %s", n, input).startsWith(actual.output);
                } else {
                    assertThat(actual.output).as("case %d, input %s", n, input).isEqualTo(expected.output);
                }
            }
        }
        assertThat(valid).as("valid cases among the 500").isGreaterThan(300);
    }

    private record Case(String body, String output, Consumer<BodyFraming> expect) {
    }

    private static Case randomCase(Random random) {
        int kind = random.nextInt(5);
        if (kind == 0) {
            String body = randomData(random, random.nextInt(40));
            return new Case(body, body, f -> f.expectLength(body.length()));
        }
        boolean keepFraming = kind != 1;
        StringBuilder body = new StringBuilder();
        StringBuilder kept = new StringBuilder();
        StringBuilder data = new StringBuilder();
        int chunks = random.nextInt(4);
        for (int i = 0; i <= chunks; i++) {
            int size = i == chunks ? 0 : 1 + random.nextInt(20);
            String hex = "0".repeat(random.nextInt(3)) + Integer.toHexString(size);
            hex = random.nextBoolean() ? hex.toUpperCase() : hex;
            String chunkData = randomData(random, size);
            body.append(hex).append(randomExtensions(random)).append("\r\n");
            kept.append(hex).append("\r\n");
            if (size > 0) {
                body.append(chunkData).append("\r\n");
                kept.append(chunkData).append("\r\n");
                data.append(chunkData);
            }
        }
        int trailers = random.nextInt(3);
        for (int i = 0; i < trailers; i++) {
            String field = "X-T" + i + ":" + (random.nextBoolean() ? " " : "") + randomData(random, random.nextInt(8)).replaceAll("[\\x00-\\x1f\\x7f]", "v") + "\r\n";
            body.append(field);
            kept.append(field);
        }
        body.append("\r\n");
        kept.append("\r\n");
        return new Case(body.toString(), keepFraming ? kept.toString() : data.toString(), f -> f.expectChunked(keepFraming));
    }

    private static String randomExtensions(Random random) {
        StringBuilder ext = new StringBuilder();
        int count = random.nextInt(3) == 0 ? 1 + random.nextInt(2) : 0;
        for (int i = 0; i < count; i++) {
            ext.append(random.nextBoolean() ? " ;" : ";").append(random.nextBoolean() ? " " : "").append("n").append(i);
            switch (random.nextInt(3)) {
                case 0 -> ext.append("=tok").append(i);
                case 1 -> ext.append(" = \"q ").append(random.nextBoolean() ? "\\\"" : "").append("v\"");
                default -> { }
            }
        }
        return ext.toString();
    }

    /** Any bytes, framing characters included: chunk data is never looked at. */
    private static String randomData(Random random, int length) {
        String alphabet = "ab0\r\n;:\" \t\u0000\u00ff";
        StringBuilder data = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            data.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return data.toString();
    }

    private static String mutate(String body, Random random) {
        if (body.isEmpty()) {
            return "x";
        }
        int at = random.nextInt(body.length());
        String alphabet = "0aF;= \t\"\\\r\n:xG\u0001";
        char c = alphabet.charAt(random.nextInt(alphabet.length()));
        return switch (random.nextInt(3)) {
            case 0 -> body.substring(0, at) + c + body.substring(at + 1);
            case 1 -> body.substring(0, at) + c + body.substring(at);
            default -> body.substring(0, at) + body.substring(at + 1);
        };
    }

    private static int[] everyByte(String input) {
        int[] cuts = new int[input.length()];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = i;
        }
        return cuts;
    }

    private static int[] randomCuts(int length, Random random) {
        return random.ints(random.nextInt(6), 0, length + 1).sorted().toArray();
    }

    private static BodyFraming framing() {
        return new BodyFraming(LINE_LIMIT, TRAILER_LIMIT);
    }

    /**
     * What a scan reported: the bytes forwarded, the ranges, and the end as an offset into the
     * input (-1 malformed, -2 all taken and more expected).
     */
    private record Result(String output, List<int[]> forwards, int end) {
    }

    private static Result scan(BodyFraming framing, String input) {
        return scanSplit(framing, input, new int[0]);
    }

    /**
     * Scans the input cut at the given offsets (sorted, may repeat), each piece in a buffer of its
     * own at a non-zero offset with foreign bytes around it, the way a read delivers it.
     */
    private static Result scanSplit(BodyFraming framing, String input, int[] cuts) {
        byte[] raw = input.getBytes(StandardCharsets.ISO_8859_1);
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        List<int[]> forwards = new ArrayList<>();
        int start = 0;
        for (int p = 0; p <= cuts.length; p++) {
            int stop = p < cuts.length ? cuts[p] : raw.length;
            ByteBuf buf = Unpooled.buffer().writeBytes("junk".getBytes(StandardCharsets.ISO_8859_1))
                    .writeBytes(raw, start, stop - start).writeBytes("\r\n;\r\n".getBytes(StandardCharsets.ISO_8859_1));
            Recorder recorder = new Recorder(buf);
            int end = framing.scan(buf, 4, 4 + stop - start, recorder);
            assertThat(recorder.ranges).allSatisfy(r -> assertThat(r[0]).isGreaterThanOrEqualTo(4).isLessThan(r[1]));
            for (int i = 1; i < recorder.ranges.size(); i++) {
                assertThat(recorder.ranges.get(i)[0]).as("ordered and coalesced").isGreaterThan(recorder.ranges.get(i - 1)[1]);
            }
            if (end == -1) {
                return new Result(output.toString(StandardCharsets.ISO_8859_1), forwards, -1);
            }
            output.writeBytes(recorder.bytes.toByteArray());
            forwards.addAll(recorder.ranges);
            if (framing.done()) {
                assertThat(end).isBetween(4, 4 + stop - start);
                return new Result(output.toString(StandardCharsets.ISO_8859_1), forwards, start + end - 4);
            }
            assertThat(end).isEqualTo(4 + stop - start);
            start = stop;
        }
        return new Result(output.toString(StandardCharsets.ISO_8859_1), forwards, -2);
    }

    private static ByteBuf bytes(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
    }

    private static final class Recorder implements BodyFraming.Sink {
        final ByteBuf buf;
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final List<int[]> ranges = new ArrayList<>();

        Recorder(ByteBuf buf) {
            this.buf = buf;
        }

        @Override
        public void forward(int from, int to) {
            ranges.add(new int[] {from, to});
            byte[] copy = new byte[to - from];
            buf.getBytes(from, copy);
            bytes.writeBytes(copy);
        }

        String output() {
            return bytes.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
