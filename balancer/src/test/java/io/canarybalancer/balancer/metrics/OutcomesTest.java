package io.canarybalancer.balancer.metrics;

import io.canarybalancer.balancer.metrics.Outcomes.Snapshot;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class OutcomesTest {

    @Test
    void everyLatencyFallsInABucketWhoseBoundsHoldItAndAreAtMostAnEighthApart() {
        for (long micros = 0; micros < 5_000_000; micros = micros < 100 ? micros + 1 : micros * 101 / 100) {
            int bucket = Outcomes.bucket(micros);
            assertThat(Outcomes.upperBoundMicros(bucket)).as("%d µs", micros).isGreaterThanOrEqualTo(micros);
            if (bucket > 0) {
                long lower = Outcomes.upperBoundMicros(bucket - 1) + 1;
                assertThat(lower).as("%d µs", micros).isLessThanOrEqualTo(micros);
                assertThat((double) Outcomes.upperBoundMicros(bucket) - lower).isLessThanOrEqualTo(lower / 8.0);
            }
        }
        assertThat(Outcomes.bucket(Long.MAX_VALUE / 1000)).isEqualTo(Outcomes.BUCKETS - 1);
    }

    @Test
    void p99AndErrorRateComeFromTheRecordedAnswers() {
        Outcomes outcomes = new Outcomes();
        for (int i = 0; i < 990; i++) {
            outcomes.record(200, 2_000_000);          // 2 ms
        }
        for (int i = 0; i < 10; i++) {
            outcomes.record(503, 400_000_000);        // 400 ms
        }
        Snapshot snapshot = outcomes.snapshot();
        assertThat(snapshot.requests()).isEqualTo(1_000);
        assertThat(snapshot.errors()).isEqualTo(10);
        assertThat(snapshot.errorRate()).isEqualTo(0.01);
        assertThat(snapshot.quantileMillis(0.99)).isCloseTo(2, within(0.25));
        assertThat(snapshot.quantileMillis(0.995)).isCloseTo(400, within(50.0));
    }

    @Test
    void aWindowIsTheDifferenceOfTwoSnapshots() {
        Outcomes outcomes = new Outcomes();
        for (int i = 0; i < 100; i++) {
            outcomes.record(500, 1_000_000);
        }
        Snapshot before = outcomes.snapshot();
        for (int i = 0; i < 50; i++) {
            outcomes.record(200, 30_000_000);
        }
        Snapshot window = outcomes.snapshot().minus(before);
        assertThat(window.requests()).isEqualTo(50);
        assertThat(window.errors()).isZero();
        assertThat(window.quantileMillis(0.99)).isCloseTo(30, within(4.0));
        assertThat(Snapshot.EMPTY.quantileMillis(0.99)).isZero();
        assertThat(Snapshot.EMPTY.errorRate()).isZero();
    }
}
