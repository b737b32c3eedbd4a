package io.canarybalancer.balancer.mirror;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * A differing pair as {@code /status} shows it: the request line, the first difference, and each
 * side's status, latency and the start of its body.
 *
 * @param stableBody the first {@link #MAX_BODY} bytes of stable's body at most, as text
 * @param canaryBody the same of the canary's, or its failure when it did not answer
 */
public record RecentDifference(Instant at, String request, String difference, int stableStatus, double stableMillis,
                               String stableBody, int canaryStatus, double canaryMillis, String canaryBody) {
    /** Bytes of a body shown at most. */
    public static final int MAX_BODY = 200;

    static RecentDifference of(MirroredPair pair, Difference first, Instant at) {
        Answer stable = pair.stable();
        Answer canary = pair.canary();
        return new RecentDifference(at, pair.method() + " " + pair.target(), first.toString(), stable.status(),
                stable.nanos() / 1e6, shown(stable), canary.status(), canary.nanos() / 1e6,
                canary.failure() != null ? canary.failure() : shown(canary));
    }

    /**
     * The body as text, at most {@link #MAX_BODY} bytes of UTF-8 in all: a longer one is cut and
     * ends in "…", a character cut in two is left out.
     */
    static String shown(Answer answer) {
        boolean cut = answer.bodyLength() > MAX_BODY;
        int length = Math.min(answer.body().length, cut ? MAX_BODY - ELLIPSIS : MAX_BODY);
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.IGNORE)
                .onUnmappableCharacter(CodingErrorAction.IGNORE);
        try {
            String text = utf8.decode(ByteBuffer.wrap(answer.body(), 0, length)).toString();
            return cut ? text + "…" : text;
        } catch (CharacterCodingException e) {
            throw new IllegalStateException("ignored malformed input cannot fail", e);
        }
    }

    /** The bytes of "…" in UTF-8. */
    private static final int ELLIPSIS = 3;
}
