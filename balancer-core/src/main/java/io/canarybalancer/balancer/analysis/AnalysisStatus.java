package io.canarybalancer.balancer.analysis;

import io.canarybalancer.balancer.metrics.Outcomes.Snapshot;
import io.canarybalancer.balancer.mirror.RouteMirror;
import io.canarybalancer.balancer.rollout.RolloutState.AutoRollback;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * What canary analysis concluded about one route at its last check, for {@code /status}, the
 * dashboard and metrics.
 *
 * @param detail       one sentence saying why the analysis is in this state
 * @param windowSpan   how much time the compared answers cover (up to the configured window)
 * @param limits       where the canary's window counts as clearly worse than stable's
 * @param nextStep     the weight the schedule goes to next, or -1 (no schedule, or done)
 * @param nextStepIn   how long the canary must still stay healthy before that step, or {@code null}
 * @param lastRollback the automatic rollback in force, or {@code null}
 * @param mirror       the pairs the route's mirror compared in the window, or {@code null} for a route without one
 */
public record AnalysisStatus(State state, String detail, Instant checkedAt, Duration windowSpan,
                             PoolWindow stable, PoolWindow canary, Limits limits, int nextStep, Duration nextStepIn,
                             AutoRollback lastRollback, MirrorWindow mirror) {

    /**
     * This status when the change its check decided could not be stored: a rollback that did not
     * happen leaves the canary {@link State#FAILING}; a step that did not happen changes nothing
     * but the detail. Both are tried again at the next check.
     */
    public AnalysisStatus failedToAct(String problem) {
        if (state == State.ROLLED_BACK) {
            return new AnalysisStatus(State.FAILING, lastRollback.reason() + "; the rollback could not be stored ("
                    + problem + "), retrying", checkedAt, windowSpan, stable, canary, limits, nextStep, nextStepIn, null,
                    mirror);
        }
        return new AnalysisStatus(state, detail + "; the step could not be stored (" + problem + "), retrying",
                checkedAt, windowSpan, stable, canary, limits, nextStep, nextStepIn, lastRollback, mirror);
    }

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
        /** Worse than stable but not rolled back: no stable replica to fall back to, or the change failed. */
        FAILING,
        /** No canary replica to judge. */
        IDLE;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * The canary's limits given stable's window.
     *
     * @param errorRate  the highest canary 5xx rate that is not clearly worse
     * @param p99Millis  the highest canary p99 that is not clearly worse, or {@code null} while stable
     *                   has too few answers to compare latency with
     * @param mirroredErrorRate the same for the canary's answers to copies, against stable's to the same
     *                   requests; {@code null} without a mirror
     * @param mirroredP99Millis the same for their p99, or {@code null}
     * @param diffRate   the highest share of differing pairs, or {@code null} without a mirror
     */
    public record Limits(double errorRate, Double p99Millis, Double mirroredErrorRate, Double mirroredP99Millis,
                         Double diffRate) {
    }

    /**
     * The mirror's compared pairs in the window: both sides answered the same requests, so their
     * error rates and latencies compare pair for pair.
     *
     * @param stable         stable's answers to the copied requests
     * @param canary         the canary's answers to the copies (no answer counts as an error)
     * @param lastDifference the first difference of the window's latest differing pair, or {@code null}
     */
    public record MirrorWindow(long pairs, long differing, double diffRate, PoolWindow stable, PoolWindow canary,
                               String lastDifference) {
        public static MirrorWindow of(RouteMirror.Snapshot window) {
            return new MirrorWindow(window.pairs(), window.differing(), window.diffRate(),
                    PoolWindow.of(window.stable()), PoolWindow.of(window.canary()), window.lastDifference());
        }
    }

    /** One pool's answers in the window. */
    public record PoolWindow(long requests, long errors, double errorRate, double p99Millis) {
        public static PoolWindow of(Snapshot window) {
            return new PoolWindow(window.requests(), window.errors(), window.errorRate(), window.quantileMillis(0.99));
        }
    }
}
