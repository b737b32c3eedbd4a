package io.canarybalancer.balancer.analysis;

import io.canarybalancer.balancer.analysis.CanaryAnalyzer.Decision;
import io.canarybalancer.balancer.config.spec.RouteSpec;
import io.canarybalancer.balancer.metrics.TrafficStats;
import io.canarybalancer.balancer.mirror.Mirrors;
import io.canarybalancer.balancer.mirror.RouteMirror;
import io.canarybalancer.balancer.rollout.RolloutControl;
import io.canarybalancer.balancer.rollout.RolloutState;
import io.canarybalancer.balancer.rollout.RolloutStore.RolloutException;
import io.canarybalancer.balancer.route.PoolRole;
import io.canarybalancer.balancer.route.Route;
import io.canarybalancer.balancer.route.RoutingTableHolder;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs canary analysis for every route configured with it, on one thread of its own: each
 * route's canary is checked every interval against what this balancer has seen, rolled back when
 * clearly worse than stable, and stepped up on its schedule while healthy. Changes go through the
 * {@link RolloutControl} like an operator's, so with Consul every balancer instance applies them.
 * Each instance judges the traffic it saw; changes are conditional on the state judged, so two
 * instances never step twice or record two rollbacks for one.
 */
public final class CanaryAnalysis implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CanaryAnalysis.class);

    private final RoutingTableHolder table;
    private final TrafficStats stats;
    private final Mirrors mirrors;
    private final RolloutControl control;
    private final Map<String, AnalysisStatus> statuses = new ConcurrentHashMap<>();
    private final ScheduledExecutorService scheduler;
    private final Counter rollbacks;
    private final Counter steps;

    private CanaryAnalysis(RoutingTableHolder table, TrafficStats stats, Mirrors mirrors, RolloutControl control,
                           PrometheusRegistry registry) {
        this.table = table;
        this.stats = stats;
        this.mirrors = mirrors;
        this.control = control;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "canary-analysis");
            thread.setDaemon(true);
            return thread;
        });
        rollbacks = Counter.builder()
                .name("canary_balancer_analysis_rollbacks_total")
                .help("Canaries rolled back by canary analysis, by route and cause (errors or latency of the canary's"
                        + " answers; mirror_errors, mirror_latency or differences of its answers to mirrored requests)")
                .labelNames("route", "cause")
                .withoutExemplars()
                .register(registry);
        steps = Counter.builder()
                .name("canary_balancer_analysis_steps_total")
                .help("Canary weight steps taken by the analysis schedule, by route")
                .labelNames("route")
                .withoutExemplars()
                .register(registry);
        GaugeWithCallback.builder()
                .name("canary_balancer_analysis_state")
                .help("1 for the state each route's canary analysis is in"
                        + " (waiting, healthy, paused, complete, rolled-back, failing, idle)")
                .labelNames("route", "state")
                .callback(callback -> statuses.forEach((route, status) -> {
                    for (AnalysisStatus.State state : AnalysisStatus.State.values()) {
                        callback.call(state == status.state() ? 1 : 0, route, state.label());
                    }
                }))
                .register(registry);
    }

    /** Starts checking every route of {@code control} that has analysis configured. */
    public static CanaryAnalysis start(RoutingTableHolder table, TrafficStats stats, Mirrors mirrors,
                                       RolloutControl control, PrometheusRegistry registry) {
        CanaryAnalysis analysis = new CanaryAnalysis(table, stats, mirrors, control, registry);
        for (RouteSpec spec : control.routes()) {
            if (spec.analysis() != null) {
                CanaryAnalyzer analyzer = new CanaryAnalyzer(spec.analysis());
                long interval = spec.analysis().interval().toNanos();
                analysis.scheduler.scheduleWithFixedDelay(() -> analysis.check(spec, analyzer), 0, interval,
                        TimeUnit.NANOSECONDS);
            }
        }
        return analysis;
    }

    /** The last check's outcome per route with analysis; routes not yet checked are absent. */
    public Map<String, AnalysisStatus> statuses() {
        return Map.copyOf(statuses);
    }

    private void check(RouteSpec spec, CanaryAnalyzer analyzer) {
        try {
            Route route = table.get().route(spec.name());
            if (route == null) {
                return;
            }
            RolloutState state = control.state(spec);
            Instant now = Instant.now();
            RouteMirror mirror = mirrors.forRoute(spec.name());
            Decision decision = analyzer.check(System.nanoTime(), now, route, state,
                    stats.outcomes(spec.name(), PoolRole.STABLE).snapshot(),
                    stats.outcomes(spec.name(), PoolRole.CANARY).snapshot(),
                    mirror == null ? null : mirror.snapshot());
            AnalysisStatus status = decision.status();
            try {
                boolean applied = switch (decision.kind()) {
                    case ROLL_BACK -> rollBack(spec, state, decision, now);
                    case STEP -> step(spec, state, decision.toWeight());
                    case NONE -> true;
                };
                if (!applied) {
                    status = status.failedToAct("the rollout changed since it was judged");
                }
            } catch (RolloutException e) {
                log.warn("Canary analysis of route {} could not change the rollout: {}", spec.name(), e.getMessage());
                status = status.failedToAct(e.getMessage());
            }
            statuses.put(spec.name(), status);
        } catch (RuntimeException e) {
            log.error("Canary analysis of route {} failed; it runs again next interval", spec.name(), e);
        }
    }

    /** Rolls back unless the rollout changed since it was judged; whether it did. */
    private boolean rollBack(RouteSpec spec, RolloutState judged, Decision decision, Instant now)
            throws RolloutException {
        boolean[] applied = new boolean[1];
        control.change(spec, stored -> {
            // Only the state judged: an operator's change since then is judged afresh next check.
            applied[0] = stored.equals(judged);
            return applied[0] ? stored.autoRolledBack(decision.reason(), now) : stored;
        });
        if (applied[0]) {
            rollbacks.labelValues(spec.name(), decision.cause()).inc();
            log.warn("Canary of route {} rolled back automatically: {}", spec.name(), decision.reason());
        }
        return applied[0];
    }

    /** Steps up unless the rollout changed since it was judged; whether it did. */
    private boolean step(RouteSpec spec, RolloutState judged, int weight) throws RolloutException {
        boolean[] applied = new boolean[1];
        control.change(spec, stored -> {
            applied[0] = stored.equals(judged);
            return applied[0] ? stored.withWeight(weight) : stored;
        });
        if (applied[0]) {
            steps.labelValues(spec.name()).inc();
            log.info("Canary of route {} healthy for its step: weight {}% -> {}%", spec.name(), judged.weight(), weight);
        }
        return applied[0];
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
