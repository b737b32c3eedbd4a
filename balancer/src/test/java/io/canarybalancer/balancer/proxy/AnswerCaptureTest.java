package io.canarybalancer.balancer.proxy;

import io.canarybalancer.balancer.mirror.Answer;
import io.canarybalancer.balancer.proxy.http1.HeadBuffer;
import io.canarybalancer.balancer.proxy.http1.ResponseHead;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What a mirrored request's answer keeps for the comparison as it passes: head fields and body. */
class AnswerCaptureTest {
    private static final ProxySettings SETTINGS = ProxySettings.defaults();

    @Test
    void keepsTheContentTypeAndTheComparedFieldsOnlyByLowerCaseName() {
        AnswerCapture capture = new AnswerCapture(List.of("x-version", "etag"));
        assertThat(capture.answered()).isFalse();
        capture.head(head("HTTP/1.1 404 Not Found\r\n"
                + "Content-Type: application/json\r\n"
                + "X-Version: 1\r\n"
                + "Server: stable\r\n"
                + "x-VERSION: 2\r\n"
                + "ETag: \"abc\"\r\n"
                + "Content-Length: 0\r\n\r\n"), false, SETTINGS);

        assertThat(capture.answered()).isTrue();
        Answer answer = capture.answer(3_000);
        assertThat(answer.status()).isEqualTo(404);
        assertThat(answer.failure()).isNull();
        assertThat(answer.nanos()).isEqualTo(3_000);
        assertThat(answer.headers()).isEqualTo(Map.of("content-type", "application/json", "x-version", "1, 2",
                "etag", "\"abc\""));
        assertThat(answer.bodyLength()).isZero();
    }

    @Test
    void withoutAContentTypeKeepsNoneAndNoFieldsWhenNoneAreCompared() {
        AnswerCapture capture = new AnswerCapture(List.of());
        capture.head(head("HTTP/1.1 200 OK\r\nX-Version: 1\r\nContent-Length: 2\r\n\r\n"), false, SETTINGS);
        capture.body(buffer("ok"), 0, 2);
        Answer answer = capture.answer(1);
        assertThat(answer.headers()).isEmpty();
        assertThat(answer.body()).isEqualTo(bytes("ok"));
    }

    @Test
    void takesTheChunkedFramingOffABodyThatPassesWithItWhereverTheReadsSplitIt() {
        String framed = "5\r\nhello\r\n10;name=value\r\n, chunked world!\r\n1\r\n!\r\n0\r\nX-Trailer: t\r\n\r\n";
        String data = "hello, chunked world!!";
        int splitsInsideASizeLine = 0;
        for (int first = 1; first < framed.length(); first++) {
            for (int second = first; second < framed.length(); second++) {
                AnswerCapture capture = new AnswerCapture(List.of());
                capture.head(head("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), true, SETTINGS);
                feed(capture, framed.substring(0, first));
                feed(capture, framed.substring(first, second));
                feed(capture, framed.substring(second));
                Answer answer = capture.answer(1);
                assertThat(new String(answer.body(), StandardCharsets.UTF_8)).as("split at %d and %d", first, second)
                        .isEqualTo(data);
                assertThat(answer.bodyLength()).isEqualTo(data.length());
                if (framed.startsWith("10", first - 1)) {
                    splitsInsideASizeLine++;
                }
            }
        }
        assertThat(splitsInsideASizeLine).as("some reads split the size line 10").isPositive();
    }

    @Test
    void keepsAnUnframedBodyAsItPasses() {
        AnswerCapture capture = new AnswerCapture(List.of());
        capture.head(head("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n"), false, SETTINGS);
        feed(capture, "5\r\nhel");
        feed(capture, "lo\r\n0");
        assertThat(capture.answer(1).body()).as("not chunked: taken as it is").isEqualTo(bytes("5\r\nhello\r\n0"));
    }

    @Test
    void keepsTheBodysFirstBytesOnlyButCountsItsWholeLength() {
        AnswerCapture capture = new AnswerCapture(List.of());
        capture.head(head("HTTP/1.1 200 OK\r\n\r\n"), false, SETTINGS);
        int total = Answer.MAX_KEPT_BODY + 70_000;
        byte[] body = new byte[total];
        for (int i = 0; i < total; i++) {
            body[i] = (byte) (i * 31 + i / 251);
        }
        for (int at = 0; at < total; at += 65_537) {
            int to = Math.min(total, at + 65_537);
            ByteBuf in = Unpooled.buffer(to - at + 8).writeZero(8).writeBytes(body, at, to - at);
            capture.body(in, 8, in.writerIndex());
            in.release();
        }
        Answer answer = capture.answer(1);
        assertThat(answer.bodyLength()).isEqualTo(total);
        assertThat(answer.body()).hasSize(Answer.MAX_KEPT_BODY);
        assertThat(answer.body()).isEqualTo(Arrays.copyOf(body, Answer.MAX_KEPT_BODY));
        assertThat(answer.truncated()).isTrue();
    }

    /** Passes {@code text} the way the relay does: a range of a buffer that holds other bytes before it. */
    private static void feed(AnswerCapture capture, String text) {
        ByteBuf in = Unpooled.buffer().writeBytes(bytes("HTTP/1.1 ignored\r\n")).writeBytes(bytes(text));
        try {
            capture.body(in, in.writerIndex() - text.length(), in.writerIndex());
        } finally {
            in.release();
        }
    }

    private static ResponseHead head(String raw) {
        HeadBuffer buffer = new HeadBuffer(SETTINGS.maxInitialLineLength(), SETTINGS.maxHeaderSize(), 502);
        ByteBuf in = buffer(raw);
        try {
            assertThat(buffer.append(in, 0, in.writerIndex())).as("a complete head").isEqualTo(in.writerIndex());
        } finally {
            in.release();
        }
        ResponseHead head = new ResponseHead(SETTINGS.maxHeaderCount());
        assertThat(head.read(buffer)).as("a valid head: %s", head.problem()).isTrue();
        return head;
    }

    private static ByteBuf buffer(String text) {
        return Unpooled.wrappedBuffer(bytes(text));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
