package io.canarybalancer.balancer.metrics;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Cumulative outcomes of one route's pool, for canary analysis: answers by latency bucket and 5xx
 * answers. Never reset; a sliding window is the difference of two {@link #snapshot() snapshots}.
 * Recording is one array increment (two for an error), lock-free, allocation-free.
 *
 * <p>Latencies go into log-linear buckets of microseconds: exact below 8 µs, then 8 buckets per
 * power of two (at most 12.5% wide) up to about 18 minutes, so a p99 read off them is within
 * an eighth of the true one.
 */
public final class Outcomes {
    private static final int SUB_BITS = 3;
    private static final int SUB = 1 << SUB_BITS;
    private static final int MAX_EXPONENT = 30;
    static final int BUCKETS = (MAX_EXPONENT - SUB_BITS + 2) * SUB;

    private final AtomicLongArray latency = new AtomicLongArray(BUCKETS);
    private final LongAdder errors = new LongAdder();

    /** One answer with its HTTP status (5xx counts as an error) and time from request head to answer end. */
    public void record(int status, long nanos) {
        record(status >= 500, nanos);
    }

    /** One answer, failed or not (a gRPC call may fail under an HTTP 200), with its time. */
    public void record(boolean failed, long nanos) {
        latency.incrementAndGet(bucket(Math.max(0, nanos / 1000)));
        if (failed) {
            errors.increment();
        }
    }

    /** The counts so far. */
    public Snapshot snapshot() {
        long[] counts = new long[BUCKETS];
        for (int i = 0; i < BUCKETS; i++) {
            counts[i] = latency.get(i);
        }
        return new Snapshot(counts, errors.sum());
    }

    static int bucket(long micros) {
        if (micros < SUB) {
            return (int) micros;
        }
        int exponent = 63 - Long.numberOfLeadingZeros(micros);
        if (exponent > MAX_EXPONENT) {
            return BUCKETS - 1;
        }
        int sub = (int) (micros >>> (exponent - SUB_BITS)) & (SUB - 1);
        return (exponent - SUB_BITS + 1) * SUB + sub;
    }

    /** The largest latency, in microseconds, that falls in {@code bucket}. */
    static long upperBoundMicros(int bucket) {
        if (bucket < SUB) {
            return bucket;
        }
        int exponent = bucket / SUB + SUB_BITS - 1;
        int sub = bucket % SUB;
        return ((long) (SUB + sub + 1) << (exponent - SUB_BITS)) - 1;
    }

    /** Counts at one moment, or the difference of two moments (a window). */
    public record Snapshot(long[] latencyCounts, long errors) {
        public static final Snapshot EMPTY = new Snapshot(new long[BUCKETS], 0);

        public long requests() {
            long total = 0;
            for (long count : latencyCounts) {
                total += count;
            }
            return total;
        }

        /** What happened between {@code earlier} and this snapshot. */
        public Snapshot minus(Snapshot earlier) {
            long[] counts = new long[BUCKETS];
            for (int i = 0; i < BUCKETS; i++) {
                counts[i] = latencyCounts[i] - earlier.latencyCounts[i];
            }
            return new Snapshot(counts, errors - earlier.errors);
        }

        /** The share of answers that were 5xx, 0 when there were none. */
        public double errorRate() {
            long requests = requests();
            return requests == 0 ? 0 : (double) errors / requests;
        }

        /**
         * The latency that {@code quantile} of the answers did not exceed, in milliseconds, read as
         * the upper bound of its bucket; 0 when there were no answers.
         */
        public double quantileMillis(double quantile) {
            long requests = requests();
            if (requests == 0) {
                return 0;
            }
            long rank = (long) Math.ceil(quantile * requests);
            long seen = 0;
            for (int i = 0; i < BUCKETS; i++) {
                seen += latencyCounts[i];
                if (seen >= rank) {
                    return upperBoundMicros(i) / 1000.0;
                }
            }
            return upperBoundMicros(BUCKETS - 1) / 1000.0;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Snapshot that && errors == that.errors
                    && Arrays.equals(latencyCounts, that.latencyCounts);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(latencyCounts) + Long.hashCode(errors);
        }

        @Override
        public String toString() {
            return "Snapshot[requests=" + requests() + ", errors=" + errors + "]";
        }
    }
}
