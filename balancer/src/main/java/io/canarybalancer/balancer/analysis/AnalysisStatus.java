package io.canarybalancer.balancer.analysis;

import io.canarybalancer.balancer.discovery.RolloutState.AutoRollback;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * What canary analysis concluded about one route at its last check, for {@code /status}, the
 * dashboard and metrics.
 *
 * @param detail       one sentence saying why the analysis is in this state
 * @param windowSpan   how much time the compared answers cover (up to the configured window)
 * @param nextStep     the weight the schedule goes to next, or -1 (no schedule, or done)
 * @param nextStepIn   how long the canary must still stay healthy before that step, or {@code null}
 * @param lastRollback the automatic rollback in force, or {@code null}
 */
public record AnalysisStatus(State state, String detail, Instant checkedAt, Duration windowSpan,
                             PoolWindow stable, PoolWindow canary, int nextStep, Duration nextStepIn,
                             AutoRollback lastRollback) {

    /** Where the analysis of a route stands. */
    public enum State {
        /** Not enough answers from the canary in the window to judge it yet. */
        WAITING,
        /** Judged, and not worse than stable. */
        HEALTHY,
        /** Paused by an operator: still judged, the schedule does not move. */
        PAUSED,
        /** The schedule reached its last step; still judged. */
        COMPLETE,
        /** Rolled back for the recorded reason; the canary gets nothing until an operator acts. */
        ROLLED_BACK,
        /** Nothing to judge or nothing to fall back to: no canary replica, or no stable replica. */
        IDLE;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** One pool's answers in the window. */
    public record PoolWindow(long requests, long errors, double errorRate, double p99Millis) {
        public static PoolWindow of(io.canarybalancer.balancer.metrics.Outcomes.Snapshot window) {
            return new PoolWindow(window.requests(), window.errors(), window.errorRate(), window.quantileMillis(0.99));
        }
    }
}
