package io.canarybalancer.balancer.analysis;

import io.canarybalancer.balancer.analysis.AnalysisStatus.MirrorWindow;
import io.canarybalancer.balancer.analysis.AnalysisStatus.PoolWindow;
import io.canarybalancer.balancer.analysis.AnalysisStatus.State;
import io.canarybalancer.balancer.config.spec.AnalysisSettings;
import io.canarybalancer.balancer.metrics.Outcomes.Snapshot;
import io.canarybalancer.balancer.mirror.RouteMirror;
import io.canarybalancer.balancer.rollout.RolloutState;
import io.canarybalancer.balancer.route.Replica;
import io.canarybalancer.balancer.route.Route;
import io.canarybalancer.balancer.route.Strategy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The judgement of one route's canary, one check at a time: it keeps the pools' cumulative
 * outcomes over the sliding window, compares canary with stable, and says whether to roll back,
 * step the weight up, or do nothing. Acts on nothing itself; not thread-safe (one thread checks).
 *
 * <p>The window starts afresh when a new canary replica appears (a new version is a new canary)
 * and when an operator lifts an automatic rollback, so old answers never judge a new canary.
 */
final class CanaryAnalyzer {

    /** What one check decided. */
    record Decision(AnalysisStatus status, Kind kind, String reason, String cause, int toWeight) {
        enum Kind { NONE, ROLL_BACK, STEP }
    }

    /** One check's cumulative counts; {@code mirror} is {@code null} on a route without a mirror. */
    private record Sample(long nanos, Snapshot stable, Snapshot canary, RouteMirror.Snapshot mirror) {
    }

    private static final long NOT_HEALTHY = Long.MIN_VALUE;
    /**
     * Below this many answers a p99 is the slowest answer or close to it: one hiccup would decide.
     * The canary's latency is judged from this many answers in the window on (its 5xx rate from
     * {@code minRequests}).
     */
    static final int MIN_ANSWERS_FOR_P99 = 100;
    /** Replica ids remembered at most: beyond this many, only the current ones are kept. */
    private static final int MAX_KNOWN_IDS = 10_000;

    private final AnalysisSettings settings;
    private final ArrayDeque<Sample> samples = new ArrayDeque<>();
    /** Canary replica ids seen since the window last started afresh. */
    private final Set<String> knownCanaryIds = new HashSet<>();
    private RolloutState seen;
    /**
     * The rollout this analyzer first saw sent the canary no un-flagged traffic, and nobody changed
     * its weight or strategy since: on a route with a mirror, a dark launch, which a healthy mirrored
     * window ends with the schedule's first step. A weight set by anyone, or a rollback (automatic,
     * then lifted) ends it for good; pausing holds it.
     */
    private boolean darkLaunch;
    /** Since when the canary has been judged healthy at its current weight, or {@link #NOT_HEALTHY}. */
    private long healthySince = NOT_HEALTHY;

    CanaryAnalyzer(AnalysisSettings settings) {
        this.settings = settings;
    }

    /**
     * One check.
     *
     * @param nanos  a monotonic clock reading ({@link System#nanoTime()})
     * @param stable the stable pool's cumulative outcomes now
     * @param canary the canary pool's cumulative outcomes now
     * @param mirror the route's mirror's cumulative pairs now, or {@code null} when it has no mirror
     */
    Decision check(long nanos, Instant now, Route route, RolloutState state, Snapshot stable, Snapshot canary,
                   RouteMirror.Snapshot mirror) {
        observe(route, state);
        Decision decision = judge(nanos, now, route, state, stable, canary, mirror);
        if (decision.status().state() != State.HEALTHY) {
            healthySince = NOT_HEALTHY; // a step needs the whole pause healthy, in one stretch
        }
        return decision;
    }

    private Decision judge(long nanos, Instant now, Route route, RolloutState state, Snapshot stable, Snapshot canary,
                           RouteMirror.Snapshot mirror) {
        samples.addLast(new Sample(nanos, stable, canary, mirror));
        long windowStart = nanos - settings.window().toNanos();
        while (samples.size() > 1) {
            Sample first = samples.removeFirst();
            if (samples.getFirst().nanos() > windowStart) {
                samples.addFirst(first); // the newest sample at or before the window's start is its baseline
                break;
            }
        }
        Sample oldest = samples.getFirst();
        Duration span = Duration.ofNanos(nanos - oldest.nanos());
        PoolWindow stableWindow = PoolWindow.of(stable.minus(oldest.stable()));
        PoolWindow canaryWindow = PoolWindow.of(canary.minus(oldest.canary()));
        MirrorWindow mirrorWindow = mirror == null ? null : MirrorWindow.of(mirror.minus(oldest.mirror()));
        Status status = new Status(now, span, stableWindow, canaryWindow, limits(stableWindow, mirrorWindow),
                mirrorWindow);

        if (state.autoRollback() != null) {
            return status.none(State.ROLLED_BACK, "rolled back automatically: " + state.autoRollback().reason()
                    + "; an operator change to the rollout lifts it", state);
        }
        if (route.canary().isEmpty()) {
            return status.none(State.IDLE, "no canary replica to judge", state);
        }
        boolean liveJudged = canaryWindow.requests() >= settings.minRequests();
        boolean mirrorJudged = mirrorWindow != null && mirrorWindow.pairs() >= settings.minRequests();
        if (!liveJudged && !mirrorJudged) {
            String needed = String.format(Locale.ROOT, "%d of the %d canary answers needed in the last %s",
                    canaryWindow.requests(), settings.minRequests(), seconds(span));
            if (mirrorWindow != null) {
                needed += String.format(Locale.ROOT, " (or %d of the %d mirrored pairs)", mirrorWindow.pairs(),
                        settings.minRequests());
            }
            return status.none(State.WAITING, needed, state);
        }
        Verdict verdict = liveJudged ? liveVerdict(stableWindow, canaryWindow, span) : null;
        if (verdict == null && mirrorJudged) {
            verdict = mirrorVerdict(mirrorWindow, span);
        }
        if (verdict != null) {
            if (route.stable().isEmpty()) {
                return status.none(State.FAILING, verdict.reason() + "; not rolled back: no stable replica to fall"
                        + " back to", state);
            }
            AnalysisStatus rolledBack = status.of(State.ROLLED_BACK, "rolled back automatically: " + verdict.reason(),
                    -1, null, new RolloutState.AutoRollback(verdict.reason(), now));
            return new Decision(rolledBack, Decision.Kind.ROLL_BACK, verdict.reason(), verdict.cause(), -1);
        }
        String healthy = String.format(Locale.ROOT, "canary no worse than stable over the last %s%s", seconds(span),
                !mirrorJudged ? "" : liveJudged ? ", on its own answers and on mirrored requests"
                        : ", on mirrored requests");
        if (state.paused()) {
            return status.none(State.PAUSED, healthy + "; paused by an operator", state);
        }
        if (!settings.scheduled() || state.strategy() != Strategy.WEIGHT) {
            return status.none(State.HEALTHY, healthy, state);
        }
        if (state.weight() == 0 && !(mirrorJudged && darkLaunch)) {
            // An operator's rollback: the schedule does not undo it. Setting a weight resumes it. The
            // weight 0 a route with a mirror starts at is a dark launch instead, which a healthy
            // mirrored window ends.
            return status.none(State.HEALTHY, healthy + "; the schedule waits at 0% until an operator sets a weight",
                    state);
        }
        int next = settings.stepAfter(state.weight());
        if (next < 0) {
            return status.none(State.COMPLETE, healthy + "; the schedule is complete at " + state.weight() + "%", state);
        }
        if (healthySince == NOT_HEALTHY) {
            healthySince = nanos;
        }
        Duration left = settings.stepPause().minus(Duration.ofNanos(nanos - healthySince));
        if (left.isNegative() || left.isZero()) {
            AnalysisStatus stepped = status.of(State.HEALTHY, healthy + "; stepping the canary from " + state.weight()
                    + "% to " + next + "%", next, Duration.ZERO, null);
            return new Decision(stepped, Decision.Kind.STEP, null, null, next);
        }
        return new Decision(status.of(State.HEALTHY, healthy + "; next step " + next + "% in " + seconds(left)
                + " if it stays healthy", next, left, null), Decision.Kind.NONE, null, null, -1);
    }

    /**
     * Starts the window afresh when a canary replica never seen before appears (a new version is
     * judged on its own answers; a known replica flapping or changing weight is not new) or when an
     * operator lifted an automatic rollback; restarts the step timer when the rollout changed.
     */
    private void observe(Route route, RolloutState state) {
        List<String> ids = route.canary().replicas().stream().map(Replica::id).toList();
        boolean newCanary = !knownCanaryIds.containsAll(ids);
        boolean rollbackLifted = seen != null && seen.autoRollback() != null && state.autoRollback() == null;
        if (newCanary || rollbackLifted) {
            samples.clear();
        }
        if (newCanary) {
            if (knownCanaryIds.size() + ids.size() > MAX_KNOWN_IDS) {
                knownCanaryIds.clear();
            }
            knownCanaryIds.addAll(ids);
        }
        if (seen == null || seen.strategy() != state.strategy() || seen.weight() != state.weight()
                || seen.paused() != state.paused() || rollbackLifted) {
            healthySince = NOT_HEALTHY;
        }
        if (seen == null) {
            darkLaunch = state.weight() == 0 && state.autoRollback() == null;
        } else if (seen.weight() != state.weight() || seen.strategy() != state.strategy() || rollbackLifted
                || state.autoRollback() != null) {
            darkLaunch = false; // pausing and resuming keep it
        }
        seen = state;
    }

    /** The same limits the verdicts use, for the status. */
    private AnalysisStatus.Limits limits(PoolWindow stable, MirrorWindow mirror) {
        if (mirror == null) {
            return new AnalysisStatus.Limits(errorRateLimit(stable), p99LimitMillis(stable), null, null, null);
        }
        return new AnalysisStatus.Limits(errorRateLimit(stable), p99LimitMillis(stable),
                errorRateLimit(mirror.stable()), p99LimitMillis(mirror.stable()), settings.maxDiffRate());
    }

    /** Why the canary's own answers are clearly worse than stable's, or {@code null}. */
    private Verdict liveVerdict(PoolWindow stable, PoolWindow canary, Duration span) {
        String errors = errorVerdict(stable, canary, span, "canary 5xx rate");
        if (errors != null) {
            return new Verdict(errors, "errors");
        }
        String latency = latencyVerdict(stable, canary, span, "canary p99");
        return latency == null ? null : new Verdict(latency, "latency");
    }

    /**
     * Why the canary's answers to mirrored requests are clearly worse than stable's to the same
     * requests, or differ from them too often; {@code null} when neither.
     */
    private Verdict mirrorVerdict(MirrorWindow mirror, Duration span) {
        String errors = errorVerdict(mirror.stable(), mirror.canary(), span, "canary error rate on mirrored requests");
        if (errors != null) {
            return new Verdict(errors, "mirror_errors");
        }
        String latency = latencyVerdict(mirror.stable(), mirror.canary(), span, "canary p99 on mirrored requests");
        if (latency != null) {
            return new Verdict(latency, "mirror_latency");
        }
        if (mirror.diffRate() <= settings.maxDiffRate()) {
            return null;
        }
        return new Verdict(String.format(Locale.ROOT, "canary answers differed from stable's on %d of %d mirrored"
                        + " requests (%.1f%%) over the last %s; the limit is %.1f%%; latest difference: %s",
                mirror.differing(), mirror.pairs(), 100 * mirror.diffRate(), seconds(span),
                100 * settings.maxDiffRate(), mirror.lastDifference()), "differences");
    }

    private double errorRateLimit(PoolWindow stable) {
        return (hasBaseline(stable) ? stable.errorRate() : 0) + settings.errorRateMargin();
    }

    /** Above both {@code latencyRatio} times stable's p99 and stable's p99 plus {@code latencyMargin}. */
    private Double p99LimitMillis(PoolWindow stable) {
        if (!hasBaseline(stable)) {
            return null;
        }
        double marginMillis = settings.latencyMargin().toNanos() / 1e6;
        return Math.max(stable.p99Millis() * settings.latencyRatio(), stable.p99Millis() + marginMillis);
    }

    private boolean hasBaseline(PoolWindow stable) {
        return stable.requests() >= settings.minRequests();
    }

    /** A judgement that the canary is clearly worse, with the {@code cause} label of the rollback counter. */
    private record Verdict(String reason, String cause) {
    }

    private String errorVerdict(PoolWindow stable, PoolWindow canary, Duration span, String what) {
        if (canary.errorRate() <= errorRateLimit(stable)) {
            return null;
        }
        return String.format(Locale.ROOT, "%s %.1f%% (%d of %d) against stable %s over the last %s;"
                        + " the limit is stable + %.1f points",
                what, 100 * canary.errorRate(), canary.errors(), canary.requests(),
                hasBaseline(stable) ? String.format(Locale.ROOT, "%.1f%% (%d of %d)", 100 * stable.errorRate(),
                        stable.errors(), stable.requests())
                        : "0% (too few stable answers to compare: " + stable.requests() + ")",
                seconds(span), 100 * settings.errorRateMargin());
    }

    private String latencyVerdict(PoolWindow stable, PoolWindow canary, Duration span, String what) {
        Double limit = p99LimitMillis(stable);
        if (limit == null || canary.requests() < MIN_ANSWERS_FOR_P99 || canary.p99Millis() <= limit) {
            return null;
        }
        return String.format(Locale.ROOT, "%s %.1f ms against stable %.1f ms over the last %s;"
                        + " the limit is %.2fx stable and at least %d ms more",
                what, canary.p99Millis(), stable.p99Millis(), seconds(span), settings.latencyRatio(),
                settings.latencyMargin().toMillis());
    }

    private static String seconds(Duration duration) {
        return String.format(Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
    }

    /** The parts of a status every verdict shares. */
    private record Status(Instant now, Duration span, PoolWindow stable, PoolWindow canary,
                          AnalysisStatus.Limits limits, MirrorWindow mirror) {
        AnalysisStatus of(State state, String detail, int nextStep, Duration nextStepIn,
                          RolloutState.AutoRollback rollback) {
            return new AnalysisStatus(state, detail, now, span, stable, canary, limits, nextStep, nextStepIn,
                    rollback, mirror);
        }

        Decision none(State state, String detail, RolloutState rollout) {
            return new Decision(of(state, detail, -1, null, rollout.autoRollback()), Decision.Kind.NONE, null, null, -1);
        }
    }
}
