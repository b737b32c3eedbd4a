package io.canarybalancer.balancer.route;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One count of picks shared by every thread, read as a place in a cycle of fixed length: the
 * {@code k}-th call of {@link #next()} answers {@code k mod length}, so concurrent callers still
 * share whole cycles between them. A {@code long} count never wraps in practice (2^63 picks), so
 * the cycle stays exact forever.
 *
 * <p>The remainder is taken without a division instruction: a 64-bit {@code idiv} costs 40 to 95
 * cycles on Skylake-family Xeons (10 to 20 on recent AMD cores), more than the rest of a pick, and
 * an un-flagged pick under {@code header} or {@code weight} used to take two. Instead the count is
 * multiplied by a reciprocal of the length, fixed when the cycle is built, and corrected once.
 */
final class CycleCounter {
    private static final VarHandle COUNT;

    static {
        try {
            COUNT = MethodHandles.lookup().findVarHandle(CycleCounter.class, "count", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int length;
    /** floor((2^64 - 1) / length), an unsigned 64-bit number. */
    private final long reciprocal;
    @SuppressWarnings("unused") // updated through COUNT
    private volatile long count;

    CycleCounter(int length) {
        if (length < 1) {
            throw new IllegalArgumentException("a cycle needs at least one place: " + length);
        }
        this.length = length;
        this.reciprocal = Long.divideUnsigned(-1L, length);
    }

    /** This pick's place in the cycle, from 0 to {@code length - 1}. */
    int next() {
        return remainder((long) COUNT.getAndAdd(this, 1L));
    }

    /**
     * {@code count mod length}, for {@code 0 <= count < 2^63}. With {@code M = reciprocal}, which
     * is within 1 below {@code 2^64 / length}, the estimate {@code floor(count * M / 2^64)} falls
     * short of the quotient by less than {@code count / 2^64 < 1/2}: it is the quotient or one less,
     * so the rest is below {@code 2 * length} and one subtraction finishes.
     */
    int remainder(long count) {
        // The high half of the unsigned product: the signed one, plus count when M's top bit is set.
        long quotient = Math.multiplyHigh(count, reciprocal) + ((reciprocal >> 63) & count);
        long rest = count - quotient * length;
        return (int) (rest >= length ? rest - length : rest);
    }
}
