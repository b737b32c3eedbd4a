package io.canarybalancer.balancer.proxy;

import io.canarybalancer.balancer.mirror.Answer;
import io.canarybalancer.balancer.proxy.http1.BodyFraming;
import io.canarybalancer.balancer.proxy.http1.ResponseHead;
import io.netty.buffer.ByteBuf;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Keeps what comparing an answer needs as it passes: its status, the header fields compared, and
 * its body's first {@link Answer#MAX_KEPT_BODY} bytes, de-chunked. One per side of a mirrored request.
 */
final class AnswerCapture implements BodyFraming.Sink {
    private static final int FIRST_SIZE = 512;

    /** Lower-case names of the fields kept; {@code content-type} always. */
    private final List<String> names;
    private int status;
    private Map<String, String> headers = Map.of();
    private byte[] body = new byte[0];
    private int kept;
    private long length;
    /** De-chunks a body that passes with its chunked framing, or {@code null}. */
    private BodyFraming framing;
    private ByteBuf scanning;

    AnswerCapture(List<String> names) {
        this.names = names;
    }

    /**
     * The answer's head.
     *
     * @param framed its body passes with its chunked framing, to be taken off here
     */
    void head(ResponseHead head, boolean framed, ProxySettings settings) {
        status = head.code();
        Map<String, String> fields = new HashMap<>();
        head.forEachKept((name, value) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.equals("content-type") || names.contains(lower)) {
                fields.merge(lower, value, (first, next) -> first + ", " + next);
            }
        });
        headers = fields;
        if (framed) {
            framing = new BodyFraming(settings.maxInitialLineLength(), settings.maxHeaderSize());
            framing.expectChunked(false);
        }
    }

    /** Whether a head was seen: the answer came from a backend rather than from the balancer. */
    boolean answered() {
        return status != 0;
    }

    /** Body bytes {@code [from, to)} of {@code in}, as they pass. */
    void body(ByteBuf in, int from, int to) {
        if (framing == null) {
            forward(in, from, to);
            return;
        }
        scanning = in;
        if (framing.scan(in, from, to, this) < 0) {
            framing = null; // the relay reports the broken framing; what was kept stays
        }
        scanning = null;
    }

    @Override
    public void forward(int from, int to) {
        forward(scanning, from, to);
    }

    private void forward(ByteBuf in, int from, int to) {
        int n = to - from;
        length += n;
        int take = Math.min(n, Answer.MAX_KEPT_BODY - kept);
        if (take <= 0) {
            return;
        }
        if (kept + take > body.length) {
            body = Arrays.copyOf(body, Math.min(Answer.MAX_KEPT_BODY, Math.max(FIRST_SIZE,
                    Math.max(kept + take, body.length * 2))));
        }
        in.getBytes(from, body, kept, take);
        kept += take;
    }

    /** The answer as seen, taking {@code nanos}. */
    Answer answer(long nanos) {
        return new Answer(status, null, headers, Arrays.copyOf(body, kept), length, nanos);
    }
}
