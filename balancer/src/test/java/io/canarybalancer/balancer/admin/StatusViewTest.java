package io.canarybalancer.balancer.admin;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** The parts of {@code /status} computed from a clock, on a fixed one. */
class StatusViewTest {
    private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");

    @Test
    void aCertificatesDaysLeftAreRoundedDownSoThatOneExpiredAnHourAgoIsBelowZero() {
        assertThat(StatusView.daysLeft(NOW, NOW.minus(Duration.ofHours(1)))).isEqualTo(-1);
        assertThat(StatusView.daysLeft(NOW, NOW.plus(Duration.ofHours(1)))).isZero();
        assertThat(StatusView.daysLeft(NOW, NOW.plus(Duration.ofDays(14).minusMinutes(1)))).isEqualTo(13);
        assertThat(StatusView.daysLeft(NOW, NOW.plus(Duration.ofDays(14)))).isEqualTo(14);
    }
}
