package io.canarybalancer.balancer.mirror;

import java.util.Arrays;

/** Byte-for-byte comparison of two answers' bodies, as far as they were kept. */
final class BodyBytes {

    private BodyBytes() {
    }

    /**
     * Where the bodies first differ, such as {@code at byte 17 (40 vs 41 bytes)}, or {@code null} when they agree.
     * When one body is a prefix of the other, the offset is the shorter one's length. Only the kept prefixes can
     * be compared byte for byte: bodies of equal length whose kept prefixes agree agree, and bodies of unequal
     * length differ "past the bytes kept" when the shorter one was not kept whole.
     */
    static String firstDifference(Answer stable, Answer canary) {
        byte[] ours = stable.body();
        byte[] theirs = canary.body();
        int kept = Math.min(ours.length, theirs.length);
        int at = Arrays.mismatch(ours, 0, kept, theirs, 0, kept);
        String lengths = " (" + stable.bodyLength() + " vs " + canary.bodyLength() + " bytes)";
        if (at >= 0) {
            return "at byte " + at + lengths;
        }
        if (stable.bodyLength() == canary.bodyLength()) {
            return null;
        }
        long shorter = Math.min(stable.bodyLength(), canary.bodyLength());
        return shorter <= kept ? "at byte " + shorter + lengths : "past the " + kept + " bytes kept" + lengths;
    }
}
