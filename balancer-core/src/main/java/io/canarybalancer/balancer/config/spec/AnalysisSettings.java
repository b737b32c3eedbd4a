package io.canarybalancer.balancer.config.spec;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Automated canary analysis for one route: how the canary is compared with stable, when it counts
 * as clearly worse, and the optional schedule that raises its weight while it stays healthy.
 *
 * @param window          the sliding window the two pools' answers are compared over
 * @param interval        how often the comparison runs
 * @param minRequests     answers the canary must have in the window before it is judged (and
 *                        stable, to serve as the baseline for latency)
 * @param errorRateMargin roll back when the canary's 5xx rate exceeds stable's by more than this
 *                        (0.05: five percentage points); with too few stable answers, stable's rate counts as 0
 * @param latencyRatio    roll back when the canary's p99 exceeds stable's times this ...
 * @param latencyMargin   ... and by more than this, so that sub-millisecond noise never counts
 * @param steps           canary weights to step through while healthy, increasing, each 1 to 100;
 *                        empty for no schedule
 * @param stepPause       how long the canary holds each weight, healthy, before the next step
 * @param maxDiffRate     on a route with a mirror: roll back when more than this share of the
 *                        compared pairs in the window differ
 */
public record AnalysisSettings(Duration window, Duration interval, int minRequests, double errorRateMargin,
                               double latencyRatio, Duration latencyMargin, List<Integer> steps,
                               Duration stepPause, double maxDiffRate) {

    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(60);
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);
    public static final int DEFAULT_MIN_REQUESTS = 50;
    public static final double DEFAULT_ERROR_RATE_MARGIN = 0.05;
    public static final double DEFAULT_LATENCY_RATIO = 2.0;
    public static final Duration DEFAULT_LATENCY_MARGIN = Duration.ofMillis(50);
    public static final Duration DEFAULT_STEP_PAUSE = Duration.ofSeconds(60);
    public static final double DEFAULT_MAX_DIFF_RATE = 0.05;

    public AnalysisSettings {
        Objects.requireNonNull(window, "window");
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(latencyMargin, "latencyMargin");
        Objects.requireNonNull(stepPause, "stepPause");
        steps = List.copyOf(steps);
        if (minRequests < 1) {
            throw new IllegalArgumentException("minRequests must be at least 1, got " + minRequests);
        }
        if (!(errorRateMargin >= 0 && errorRateMargin < 1)) {
            throw new IllegalArgumentException("errorRateMargin must be from 0 to below 1, got " + errorRateMargin);
        }
        if (!(latencyRatio >= 1)) {
            throw new IllegalArgumentException("latencyRatio must be at least 1, got " + latencyRatio);
        }
        if (!(maxDiffRate >= 0 && maxDiffRate < 1)) {
            throw new IllegalArgumentException("maxDiffRate must be from 0 to below 1, got " + maxDiffRate);
        }
        int previous = 0;
        for (int step : steps) {
            if (step <= previous || step > 100) {
                throw new IllegalArgumentException("steps must increase, each from 1 to 100, got " + steps);
            }
            previous = step;
        }
    }

    /** Settings with the default {@code maxDiffRate}. */
    public AnalysisSettings(Duration window, Duration interval, int minRequests, double errorRateMargin,
                            double latencyRatio, Duration latencyMargin, List<Integer> steps, Duration stepPause) {
        this(window, interval, minRequests, errorRateMargin, latencyRatio, latencyMargin, steps, stepPause,
                DEFAULT_MAX_DIFF_RATE);
    }

    /** Whether the canary's weight is stepped up on a schedule. */
    public boolean scheduled() {
        return !steps.isEmpty();
    }

    /** The first step above {@code weight}, or -1 when the schedule is done. */
    public int stepAfter(int weight) {
        for (int step : steps) {
            if (step > weight) {
                return step;
            }
        }
        return -1;
    }
}
