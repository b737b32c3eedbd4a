package io.canarybalancer.balancer.metrics;

import io.canarybalancer.balancer.route.PoolRole;
import io.canarybalancer.balancer.route.Replica;
import io.canarybalancer.balancer.route.Route;
import io.canarybalancer.balancer.route.RoutingTable;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the proxy saw: requests per route, pool, status class and whether they carried the route's
 * canary header (flagged), their durations, and requests per replica. Recorded on the event loops without locks or per-request allocation: each counter's data
 * point is looked up once and cached, and Prometheus's data points are lock-free adders.
 *
 * <p>Optionally writes one access-log line per request, logfmt, to the {@code access} logger (off
 * by default; the bundled Logback configuration sends it through an asynchronous appender so the
 * event loop never waits on the console).
 */
public final class TrafficStats {
    /** Status classes as labels, index = code / 100. */
    private static final String[] CLASSES = {"0xx", "1xx", "2xx", "3xx", "4xx", "5xx"};
    private static final Logger access = LoggerFactory.getLogger("access");

    private final Counter requests;
    private final Counter replicaRequests;
    private final Histogram durations;
    private final Counter unrouted;
    private final Counter retries;
    private final Gauge tunnelsOpen;
    private final Counter tunnelsTotal;
    private final Counter tunnelBytes;
    private final boolean accessLog;
    /** Per route name: the data points of its stable, canary and "none" pools, by {@link #NONE} or role ordinal. */
    private final Map<String, PoolStats[]> pools = new ConcurrentHashMap<>();
    private static final int NONE = 2;
    private static final String[] POOL_LABELS = {PoolRole.STABLE.label(), PoolRole.CANARY.label(), "none"};

    public TrafficStats(PrometheusRegistry registry, boolean accessLog) {
        this.accessLog = accessLog;
        requests = Counter.builder()
                .name("canary_balancer_requests_total")
                .help("Requests answered, by route, pool, status class and whether they carried the route's canary "
                        + "header (pool none: no replica could take it)")
                .labelNames("route", "pool", "status_class", "flagged")
                .withoutExemplars()
                .register(registry);
        replicaRequests = Counter.builder()
                .name("canary_balancer_replica_requests_total")
                .help("Requests sent to each replica")
                .labelNames("route", "pool", "replica")
                .withoutExemplars()
                .register(registry);
        durations = Histogram.builder()
                .name("canary_balancer_request_duration_seconds")
                .help("Time from a request's head to the end of its answer, by route and pool")
                .unit(Unit.SECONDS)
                .labelNames("route", "pool")
                .classicOnly()
                .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
                .withoutExemplars()
                .register(registry);
        retries = Counter.builder()
                .name("canary_balancer_retries_total")
                .help("Requests sent again to another replica after one failed before answering, by route")
                .labelNames("route")
                .withoutExemplars()
                .register(registry);
        tunnelsOpen = Gauge.builder()
                .name("canary_balancer_tunnels_open")
                .help("Connections switched to another protocol (WebSocket, or another of upgrades) and open now, "
                        + "by route and pool")
                .labelNames("route", "pool")
                .withoutExemplars()
                .register(registry);
        tunnelsTotal = Counter.builder()
                .name("canary_balancer_tunnels_total")
                .help("Connections switched to another protocol, by route and pool")
                .labelNames("route", "pool")
                .withoutExemplars()
                .register(registry);
        tunnelBytes = Counter.builder()
                .name("canary_balancer_tunnel_bytes_total")
                .help("Bytes relayed through tunnels, by route, pool and direction (client_to_backend, "
                        + "backend_to_client)")
                .labelNames("route", "pool", "direction")
                .withoutExemplars()
                .register(registry);
        unrouted = Counter.builder()
                .name("canary_balancer_unrouted_requests_total")
                .help("Requests no route covered (answered 404)")
                .withoutExemplars()
                .register(registry);
    }

    /**
     * A request answered by {@code replica} (or by the balancer on its behalf: 502, 504); {@code
     * flagged} when it carried the route's canary header.
     */
    public void served(Route route, Replica replica, boolean flagged, int status, long nanos, String method,
                       CharSequence target) {
        served(route, replica, flagged, status, status >= 500, nanos, method, target);
    }

    /**
     * A request answered as {@link #served(Route, Replica, boolean, int, long, String, CharSequence)}
     * says, that canary analysis counts as {@code failed} whatever its status: a gRPC call whose
     * trailers carry a failure code under an HTTP 200.
     */
    public void served(Route route, Replica replica, boolean flagged, int status, boolean failed, long nanos,
                       String method, CharSequence target) {
        PoolStats pool = pool(route.name(), replica.role().ordinal());
        pool.byClass[flag(flagged)][statusClass(status)].inc();
        pool.replica(replica.id()).inc();
        pool.duration.observe(nanos / 1e9);
        pool.outcomes.record(failed, nanos);
        if (accessLog) {
            access.info("route={} pool={} replica={} flagged={} status={} duration_ms={} method={} target={}",
                    route.name(), replica.role().label(), replica.id(), flagged, status,
                    String.format("%.3f", nanos / 1e6), method, target);
        }
    }

    /**
     * An attempt {@code replica} failed before answering (refused, reset, timed out) and that was
     * retried elsewhere: not an answer the client saw, so only canary analysis counts it, as a
     * {@code status} answer of its pool.
     */
    public void attemptFailed(Route route, Replica replica, int status, long nanos) {
        pool(route.name(), replica.role().ordinal()).outcomes.record(status, nanos);
    }

    /** A request the route had no replica for (answered 503). */
    public void refused(Route route, boolean flagged, int status, String method, CharSequence target) {
        pool(route.name(), NONE).byClass[flag(flagged)][statusClass(status)].inc();
        if (accessLog) {
            access.info("route={} pool=none flagged={} status={} method={} target={}", route.name(), flagged, status,
                    method, target);
        }
    }

    /**
     * A connection of {@code route} switched protocols with {@code replica} (its {@code 101} was
     * counted by {@link #served} already): the tunnel's counters, to report its bytes and its close to.
     */
    public TunnelCounters tunnelOpened(Route route, Replica replica) {
        TunnelCounters tunnels = pool(route.name(), replica.role().ordinal()).tunnels();
        tunnels.open.inc();
        tunnels.total.inc();
        return tunnels;
    }

    /** Tunnels so far for a route and pool ({@code stable} or {@code canary}). */
    public TunnelCounts tunnelCounts(String route, String pool) {
        PoolStats[] routeStats = pools.get(route);
        TunnelCounters tunnels = routeStats == null ? null : routeStats[poolIndex(pool)].tunnels;
        if (tunnels == null) {
            return new TunnelCounts(0, 0, 0, 0);
        }
        return new TunnelCounts((long) tunnels.open.get(), tunnels.total.getLongValue(),
                tunnels.clientToBackend.getLongValue(), tunnels.backendToClient.getLongValue());
    }

    /**
     * Tunnels of one route's pool.
     *
     * @param open                 open now
     * @param total                opened so far
     * @param clientToBackendBytes bytes relayed from clients to the pool's replicas
     * @param backendToClientBytes bytes relayed back
     */
    public record TunnelCounts(long open, long total, long clientToBackendBytes, long backendToClientBytes) {
    }

    /** The counters one tunnel reports to: bytes each way, and its close. Lock-free, like every counter here. */
    public static final class TunnelCounters {
        private final GaugeDataPoint open;
        private final CounterDataPoint total;
        private final CounterDataPoint clientToBackend;
        private final CounterDataPoint backendToClient;

        private TunnelCounters(GaugeDataPoint open, CounterDataPoint total, CounterDataPoint clientToBackend,
                               CounterDataPoint backendToClient) {
            this.open = open;
            this.total = total;
            this.clientToBackend = clientToBackend;
            this.backendToClient = backendToClient;
        }

        public void clientToBackend(long bytes) {
            clientToBackend.inc(bytes);
        }

        public void backendToClient(long bytes) {
            backendToClient.inc(bytes);
        }

        /** The tunnel closed; called once per {@link #tunnelOpened}. */
        public void closed() {
            open.dec();
        }
    }

    /** A request is sent again to another replica. */
    public void retried(Route route) {
        retries.labelValues(route.name()).inc();
    }

    /** A request no route covered (answered 404). */
    public void unrouted() {
        unrouted.inc();
    }

    /** Requests so far for a route and pool ({@code stable}, {@code canary} or {@code none}). */
    public PoolCounts counts(String route, String pool) {
        PoolStats[] routeStats = pools.get(route);
        PoolStats stats = routeStats == null ? null : routeStats[poolIndex(pool)];
        Map<String, Long> byClass = new LinkedHashMap<>();
        long[] byFlag = new long[2];
        for (int i = 1; i < CLASSES.length; i++) {
            long total = 0;
            for (int flag = 0; flag < 2; flag++) {
                long count = stats == null ? 0 : stats.byClass[flag][i].getLongValue();
                byFlag[flag] += count;
                total += count;
            }
            byClass.put(CLASSES[i], total);
        }
        return new PoolCounts(Collections.unmodifiableMap(byClass), byFlag[0], byFlag[1]);
    }

    /**
     * Requests so far of one route's pool.
     *
     * @param byStatusClass all requests by status class, {@code 1xx} to {@code 5xx} in order, flagged or not
     * @param unflagged     requests without the route's canary header: the ones the route's split applies to
     * @param flagged       requests with it
     */
    public record PoolCounts(Map<String, Long> byStatusClass, long unflagged, long flagged) {
        public long total() {
            return unflagged + flagged;
        }

        public long errors() {
            return byStatusClass.getOrDefault("5xx", 0L);
        }
    }

    /** The cumulative outcomes of a route's pool, for canary analysis. */
    public Outcomes outcomes(String route, PoolRole role) {
        return pool(route, role.ordinal()).outcomes;
    }

    /** Requests so far sent to one replica of a route. */
    public long replicaRequests(String route, PoolRole role, String replicaId) {
        PoolStats[] routeStats = pools.get(route);
        PoolStats stats = routeStats == null ? null : routeStats[role.ordinal()];
        if (stats == null) {
            return 0;
        }
        CounterDataPoint point = stats.replicas.get(replicaId);
        return point == null ? 0 : point.getLongValue();
    }

    public long unroutedRequests() {
        return unrouted.getLongValue();
    }

    /**
     * Drops the per-replica series of every replica that is not in {@code table} any more, so a
     * long rollout through many replica ids does not grow {@code /metrics} without end. Called after
     * each table change by the thread that published it (tables are published one at a time). An
     * answer still in flight to a replica that left may put its series back, or count on a series
     * just removed; either way only a replica that is gone is miscounted, and the next change
     * removes its series again.
     */
    public void retainReplicasOf(RoutingTable table) {
        pools.forEach((routeName, routeStats) -> {
            Route route = table.route(routeName);
            for (PoolRole role : PoolRole.values()) {
                Set<String> current = new HashSet<>();
                if (route != null) {
                    route.pool(role).replicas().forEach(replica -> current.add(replica.id()));
                }
                PoolStats stats = routeStats[role.ordinal()];
                stats.replicas.keySet().removeIf(id -> {
                    if (current.contains(id)) {
                        return false;
                    }
                    replicaRequests.remove(routeName, stats.pool, id);
                    return true;
                });
            }
        });
    }

    /** The route's pool data points; looked up without allocating (the route name's hash is cached). */
    private PoolStats pool(String route, int pool) {
        PoolStats[] routeStats = pools.get(route);
        if (routeStats == null) {
            routeStats = pools.computeIfAbsent(route, name -> new PoolStats[] {
                    new PoolStats(name, POOL_LABELS[0]), new PoolStats(name, POOL_LABELS[1]),
                    new PoolStats(name, POOL_LABELS[2])});
        }
        return routeStats[pool];
    }

    private static int poolIndex(String label) {
        for (int i = 0; i < POOL_LABELS.length; i++) {
            if (POOL_LABELS[i].equals(label)) {
                return i;
            }
        }
        throw new IllegalArgumentException("unknown pool " + label);
    }

    private static int flag(boolean flagged) {
        return flagged ? 1 : 0;
    }

    private static int statusClass(int status) {
        int index = status / 100;
        return index >= 1 && index <= 5 ? index : 0;
    }

    /** The cached data points of one route and pool. */
    private final class PoolStats {
        final String route;
        final String pool;
        /** By flag (0 un-flagged, 1 flagged), then status class. */
        final CounterDataPoint[][] byClass = new CounterDataPoint[2][CLASSES.length];
        final DistributionDataPoint duration;
        final Outcomes outcomes = new Outcomes();
        final Map<String, CounterDataPoint> replicas = new ConcurrentHashMap<>();
        /** Made on the first tunnel, so a route without any shows no tunnel series. */
        volatile TunnelCounters tunnels;

        PoolStats(String route, String pool) {
            this.route = route;
            this.pool = pool;
            for (int i = 0; i < CLASSES.length; i++) {
                byClass[0][i] = requests.labelValues(route, pool, CLASSES[i], "false");
                byClass[1][i] = requests.labelValues(route, pool, CLASSES[i], "true");
            }
            duration = durations.labelValues(route, pool);
        }

        TunnelCounters tunnels() {
            TunnelCounters counters = tunnels;
            if (counters == null) {
                synchronized (this) {
                    counters = tunnels;
                    if (counters == null) {
                        counters = new TunnelCounters(tunnelsOpen.labelValues(route, pool),
                                tunnelsTotal.labelValues(route, pool),
                                tunnelBytes.labelValues(route, pool, "client_to_backend"),
                                tunnelBytes.labelValues(route, pool, "backend_to_client"));
                        tunnels = counters;
                    }
                }
            }
            return counters;
        }

        CounterDataPoint replica(String id) {
            CounterDataPoint point = replicas.get(id);
            return point != null ? point
                    : replicas.computeIfAbsent(id, key -> replicaRequests.labelValues(route, pool, id));
        }
    }
}
