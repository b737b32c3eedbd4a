package io.canarybalancer.balancer.proxy.http1;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.params.provider.Arguments;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Feeds raw head bytes to {@link HeadBuffer} and {@link RequestHead} the way the front-end handler
 * does: the pieces one by one, the request line checked as soon as it is complete, the fields once
 * the head is. A test gets the outcome as plain values, so two readings can be compared.
 */
final class RawHeads {
    /** The balancer's default limits. */
    static final int START_LINE = 8192;
    static final int FIELD_SECTION = 16384;
    static final int FIELD_COUNT = 100;
    static final String CLIENT_IP = "10.0.0.9";
    static final String DEFAULT_HOST_NAME = "replica";
    static final int DEFAULT_PORT = 8080;
    static final String DEFAULT_HOST = DEFAULT_HOST_NAME + ":" + DEFAULT_PORT;

    /** {@link Outcome#status()} of a head that was accepted. */
    static final int ACCEPTED = 0;
    /** {@link Outcome#status()} of a head that has not ended. */
    static final int INCOMPLETE = -1;

    private RawHeads() {
    }

    /**
     * What reading one request head gave. For an accepted head: where it ended in the input, what
     * the proxy reads from it, and the head {@link RequestHead#writeForBackend} wrote.
     */
    record Outcome(int status, String problem, int end, String method, String target, boolean http11,
                   boolean chunked, long contentLength, boolean keepAlive, String forwarded, int forwardedSizeHint) {

        boolean accepted() {
            return status == ACCEPTED;
        }

        @Override
        public String toString() {
            return accepted() ? "accepted " + method + " " + target + " -> " + forwarded
                    : status == INCOMPLETE ? "incomplete" : status + " " + problem;
        }
    }

    /**
     * Framing fields that make a message's body length ambiguous, and the start of the problem
     * reported: the rule requests and responses share.
     */
    static Stream<Arguments> ambiguousFraming() {
        String coding = "Transfer-Encoding must be exactly 'chunked'";
        String length = "Content-Length must be digits without leading zeros";
        return Stream.of(
                arguments("Transfer-Encoding: gzip, chunked", coding),
                arguments("Transfer-Encoding: gzip", coding),
                arguments("Transfer-Encoding: chunked;q=1", coding),
                arguments("Content-Length: 007", length),
                arguments("Content-Length: +7", length),
                arguments("Content-Length: 1234567890123456789", length),
                arguments("Content-Length: 3, 3", length));
    }

    static byte[] bytes(String raw) {
        return raw.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String text(ByteBuf buffer) {
        return buffer.toString(StandardCharsets.ISO_8859_1);
    }

    /** Reads {@code raw} (one char per byte) in one piece, with the default limits. */
    static Outcome request(String raw) {
        return request(bytes(raw));
    }

    /** Reads {@code raw} with the default limits, cut before each index of {@code cuts} (ascending). */
    static Outcome request(byte[] raw, int... cuts) {
        return request(new HeadBuffer(START_LINE, FIELD_SECTION, 414), new RequestHead(FIELD_COUNT), raw, cuts);
    }

    /** Reads {@code raw}, cut before each index of {@code cuts}, with these (fresh or reset) readers. */
    static Outcome request(HeadBuffer buffer, RequestHead head, byte[] raw, int... cuts) {
        ByteBuf in = Unpooled.wrappedBuffer(raw);
        boolean lineChecked = false;
        int from = 0;
        for (int piece = 0; piece <= cuts.length; piece++) {
            int to = piece < cuts.length ? cuts[piece] : raw.length;
            int end = buffer.append(in, from, to);
            if (end == HeadBuffer.FAILED) {
                return refused(buffer.status(), buffer.problem());
            }
            if (!lineChecked && buffer.hasStartLine()) {
                lineChecked = true;
                if (!head.readRequestLine(buffer)) {
                    return refused(head.status(), head.problem());
                }
            }
            if (end >= 0) {
                if (!head.readFields(buffer)) {
                    return refused(head.status(), head.problem());
                }
                ByteBuf out = Unpooled.buffer();
                head.writeForBackend(out, CLIENT_IP, false, DEFAULT_HOST_NAME, DEFAULT_PORT);
                return new Outcome(ACCEPTED, null, end, head.method(), head.target().toString(), head.http11(),
                        head.chunked(), head.contentLength(), head.keepAlive(), text(out), head.forwardedSizeHint());
            }
            from = to;
        }
        return refused(INCOMPLETE, null);
    }

    private static Outcome refused(int status, String problem) {
        return new Outcome(status, problem, -1, null, null, false, false, 0, false, null, 0);
    }
}
