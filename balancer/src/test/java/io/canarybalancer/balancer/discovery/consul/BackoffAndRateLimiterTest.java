package io.canarybalancer.balancer.discovery.consul;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class BackoffAndRateLimiterTest {
    private static final long MS = 1_000_000L;

    @Test
    void backoffDoublesUpToItsCeilingWithJitterInTheUpperHalf() {
        Backoff low = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), () -> 0.0);
        Backoff high = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), () -> 1.0);

        assertThat(low.delayNanos(1)).isEqualTo(50 * MS);
        assertThat(high.delayNanos(1)).isEqualTo(100 * MS);
        assertThat(high.delayNanos(2)).isEqualTo(200 * MS);
        assertThat(high.delayNanos(4)).isEqualTo(800 * MS);
        assertThat(high.delayNanos(5)).isEqualTo(1000 * MS);
        assertThat(high.delayNanos(60)).isEqualTo(1000 * MS);
        assertThat(low.delayNanos(60)).isEqualTo(500 * MS);
    }

    @Test
    void theRateLimiterLetsABurstThroughThenSpacesCalls() {
        RateLimiter limiter = new RateLimiter(3, Duration.ofSeconds(1), 0);

        assertThat(limiter.reserve(0)).isZero();
        assertThat(limiter.reserve(0)).isZero();
        assertThat(limiter.reserve(0)).isZero();
        assertThat(limiter.reserve(0)).isEqualTo(1000 * MS);
        // after waiting as told, the next call again waits one interval
        assertThat(limiter.reserve(1000 * MS)).isEqualTo(1000 * MS);
    }

    @Test
    void aQuietWatchRefillsItsBurst() {
        RateLimiter limiter = new RateLimiter(2, Duration.ofMillis(500), 0);
        limiter.reserve(0);
        limiter.reserve(0);

        assertThat(limiter.reserve(10_000 * MS)).isZero();
        assertThat(limiter.reserve(10_000 * MS)).isZero();
        assertThat(limiter.reserve(10_000 * MS)).isEqualTo(500 * MS);
    }
}
