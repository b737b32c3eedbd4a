package io.canarybalancer.balancer.mirror;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The mirrors of every route that has one, and the thread that compares their pairs: parsing and
 * comparing two bodies is work no event loop should wait for, so the proxy hands each finished
 * pair over and goes on. The queue is bounded; a pair that finds it full is dropped and counted.
 */
public final class Mirrors implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Mirrors.class);
    private static final Logger access = LoggerFactory.getLogger("access");
    /** Pairs waiting for comparison at most. */
    private static final int QUEUE = 1024;
    public static final Mirrors NONE = new Mirrors(Map.of(), null, false, Clock.systemUTC());

    private final Map<String, RouteMirror> byRoute;
    private final ThreadPoolExecutor comparer;
    private final boolean accessLog;
    private final Clock clock;

    private Mirrors(Map<String, RouteMirror> byRoute, ThreadPoolExecutor comparer, boolean accessLog, Clock clock) {
        this.byRoute = byRoute;
        this.comparer = comparer;
        this.accessLog = accessLog;
        this.clock = clock;
    }

    /**
     * The mirrors of these routes (route name to settings), their counters registered as
     * {@code canary_balancer_mirror_requests_total} and {@code canary_balancer_mirror_differences_total}.
     *
     * @param accessLog whether each compared pair gets a line in the access log
     */
    public static Mirrors start(Map<String, MirrorSettings> routes, PrometheusRegistry registry, boolean accessLog) {
        if (routes.isEmpty()) {
            return NONE;
        }
        Counter requests = Counter.builder()
                .name("canary_balancer_mirror_requests_total")
                .help("Requests copied to the canary by a route's mirror, by outcome: agreed or differed"
                        + " (compared), dropped (the canary had maxInFlight copies waiting), too_large (a chunked"
                        + " body outgrew maxBodyBytes), unpaired (stable's half went missing)")
                .labelNames("route", "outcome")
                .withoutExemplars()
                .register(registry);
        Counter differences = Counter.builder()
                .name("canary_balancer_mirror_differences_total")
                .help("Differences between stable's and the canary's answers to copied requests, by kind"
                        + " (no-answer, status, header, body)")
                .labelNames("route", "kind")
                .withoutExemplars()
                .register(registry);
        Map<String, RouteMirror> byRoute = new LinkedHashMap<>();
        routes.forEach((route, settings) -> {
            CounterDataPoint[] byKind = new CounterDataPoint[Difference.Kind.values().length];
            for (Difference.Kind kind : Difference.Kind.values()) {
                byKind[kind.ordinal()] = differences.labelValues(route, kind.label());
            }
            RouteMirror.Counters counters = new RouteMirror.Counters(requests.labelValues(route, "agreed"),
                    requests.labelValues(route, "differed"), requests.labelValues(route, "dropped"),
                    requests.labelValues(route, "too_large"), requests.labelValues(route, "unpaired"), byKind);
            byRoute.put(route, new RouteMirror(route, settings, counters));
        });
        ThreadPoolExecutor comparer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(QUEUE), task -> {
                    Thread thread = new Thread(task, "mirror-compare");
                    thread.setDaemon(true);
                    return thread;
                });
        return new Mirrors(Collections.unmodifiableMap(byRoute), comparer, accessLog, Clock.systemUTC());
    }

    /** The mirror of the route of that name, or {@code null} when it has none. */
    public RouteMirror forRoute(String route) {
        return byRoute.isEmpty() ? null : byRoute.get(route);
    }

    /** Every route's mirror. */
    public List<RouteMirror> all() {
        return List.copyOf(byRoute.values());
    }

    /**
     * Compares a finished pair on the comparison thread. Returns at once; a pair that finds the
     * queue full is dropped (counted).
     */
    public void compare(RouteMirror mirror, MirroredPair pair) {
        try {
            comparer.execute(() -> {
                try {
                    List<Difference> differences = AnswerComparison.compare(mirror.settings().compare(),
                            pair.stable(), pair.canary());
                    mirror.compared(pair, differences, clock.instant());
                    if (accessLog) {
                        log(mirror, pair, differences);
                    }
                } catch (RuntimeException e) {
                    log.error("Comparing a mirrored pair of route {} failed", mirror.route(), e);
                    mirror.unpaired();
                }
            });
        } catch (RejectedExecutionException e) {
            mirror.dropped();
        }
    }

    private static void log(RouteMirror mirror, MirroredPair pair, List<Difference> differences) {
        access.info("mirror route={} outcome={} kinds={} method={} target={} stable_replica={} stable_status={}"
                        + " stable_ms={} canary_replica={} canary_status={} canary_ms={} difference=\"{}\"",
                mirror.route(), differences.isEmpty() ? "agreed" : "differed",
                differences.stream().map(d -> d.kind().label()).distinct().reduce((a, b) -> a + "," + b).orElse("-"),
                pair.method(), pair.target(), pair.stableReplica(), pair.stable().status(),
                millis(pair.stable().nanos()), pair.canaryReplica(), pair.canary().status(),
                millis(pair.canary().nanos()),
                differences.isEmpty() ? "" : differences.get(0).toString().replace("\"", "'"));
    }

    private static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.3f", nanos / 1e6);
    }

    @Override
    public void close() {
        if (comparer != null) {
            comparer.shutdownNow();
        }
    }
}
