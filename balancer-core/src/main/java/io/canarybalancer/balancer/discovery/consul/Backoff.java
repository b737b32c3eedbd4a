package io.canarybalancer.balancer.discovery.consul;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with jitter for retries after a failed Consul call: the ceiling doubles from
 * {@code min} with each consecutive failure up to {@code max}, and each delay is drawn between half
 * the ceiling and the ceiling, so many balancers that lost Consul together don't retry in step.
 */
public final class Backoff {
    private final long minNanos;
    private final long maxNanos;
    private final DoubleSupplier random;

    public Backoff(Duration min, Duration max, DoubleSupplier random) {
        this.minNanos = min.toNanos();
        this.maxNanos = Math.max(min.toNanos(), max.toNanos());
        this.random = random;
    }

    /** The delay before the next attempt after {@code failures} consecutive failures (at least 1). */
    long delayNanos(int failures) {
        long ceiling = minNanos;
        for (int i = 1; i < failures && ceiling < maxNanos; i++) {
            ceiling *= 2;
        }
        ceiling = Math.min(ceiling, maxNanos);
        return (long) (ceiling * (0.5 + 0.5 * random.getAsDouble()));
    }
}
