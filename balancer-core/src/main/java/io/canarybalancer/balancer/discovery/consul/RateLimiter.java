package io.canarybalancer.balancer.discovery.consul;

import java.time.Duration;

/**
 * A token bucket in front of the watch loop, as Consul's client guidance suggests: a burst of
 * answers in quick succession goes through, then calls are spaced by {@code interval}. It bounds
 * the request rate whatever Consul does (answers at once with the same index, churns, or omits the
 * index header), without delaying a watch that is quietly blocked. Not thread-safe: one per watcher.
 */
final class RateLimiter {
    private final long intervalNanos;
    private final int burst;
    private double tokens;
    private long updatedNanos;

    RateLimiter(int burst, Duration interval, long nowNanos) {
        this.burst = burst;
        this.intervalNanos = interval.toNanos();
        this.tokens = burst;
        this.updatedNanos = nowNanos;
    }

    /** Takes a token and says how long to wait before using it: 0 while the burst lasts. */
    long reserve(long nowNanos) {
        tokens = Math.min(burst, tokens + (double) (nowNanos - updatedNanos) / intervalNanos);
        updatedNanos = nowNanos;
        tokens -= 1;
        return tokens >= 0 ? 0 : (long) (-tokens * intervalNanos);
    }
}
