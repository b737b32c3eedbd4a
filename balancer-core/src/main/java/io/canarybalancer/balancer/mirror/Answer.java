package io.canarybalancer.balancer.mirror;

import java.util.Map;
import java.util.Objects;

/**
 * One side's answer to a mirrored request, as far as comparing it needs.
 *
 * @param status     the status code, 0 when there was no answer
 * @param failure    why there was no (whole) answer: a timeout, a refused or reset connection; {@code null} when
 *                   the answer arrived whole
 * @param headers    the header fields the comparison may read, by lower-case name (several fields of one name
 *                   joined with ", "); always includes {@code content-type} when the answer had one
 * @param body       the body's first {@link #MAX_KEPT_BODY} bytes at most (de-chunked)
 * @param bodyLength the body's whole length
 * @param nanos      from sending the request to the end of the answer (or to the failure)
 */
public record Answer(int status, String failure, Map<String, String> headers, byte[] body, long bodyLength,
                     long nanos) {
    /** Bytes of a body kept for the comparison; beyond them only the length is compared. */
    public static final int MAX_KEPT_BODY = 256 * 1024;

    public Answer {
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(body, "body");
        headers = Map.copyOf(headers);
    }

    /** No answer, for {@code failure}, after {@code nanos}. */
    public static Answer failed(String failure, long nanos) {
        return new Answer(0, Objects.requireNonNull(failure, "failure"), Map.of(), new byte[0], 0, nanos);
    }

    /** Whether only a prefix of the body was kept. */
    public boolean truncated() {
        return body.length < bodyLength;
    }

    /** A 5xx, or no answer at all: what canary analysis counts as an error. */
    public boolean error() {
        return failure != null || status >= 500;
    }
}
