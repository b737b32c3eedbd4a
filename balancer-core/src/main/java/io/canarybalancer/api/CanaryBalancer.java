package io.canarybalancer.api;

import io.canarybalancer.balancer.Balancer;
import io.canarybalancer.balancer.StartException;
import io.canarybalancer.balancer.config.BalancerConfig;
import io.canarybalancer.balancer.config.ConfigLoader;
import io.canarybalancer.balancer.config.spec.RouteSpec;
import io.canarybalancer.balancer.config.yaml.ConfigException;
import io.canarybalancer.balancer.metrics.TrafficStats;
import io.canarybalancer.balancer.proxy.ProxySettings;
import io.canarybalancer.balancer.rollout.RolloutState;
import io.canarybalancer.balancer.route.PoolRole;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A running balancer in this JVM: the proxy, its admin API and dashboard, discovery and canary
 * analysis, exactly what {@code java -jar balancer.jar} runs. Start one with {@link #builder()}:
 *
 * <pre>{@code
 * InMemoryReplicas replicas = Discovery.inMemory()
 *         .set("service-v1", Replica.of("127.0.0.1", 9001))
 *         .set("service-v2", Replica.of("127.0.0.1", 9002));
 * try (CanaryBalancer balancer = CanaryBalancer.builder()
 *         .route(Route.builder("/").stable("service-v1").canary("service-v2").strategy(Strategy.weight(10)).build())
 *         .discovery(replicas)
 *         .start()) {
 *     // send requests to http://127.0.0.1:{balancer.port()}/ ...
 *     balancer.rollout("/").promote();
 * }
 * }</pre>
 *
 * {@link #close()} drains as SIGTERM does: requests in flight finish, then everything stops.
 * Thread-safe.
 */
public final class CanaryBalancer implements AutoCloseable {
    private final Balancer balancer;
    private final Map<String, RouteSpec> routes;

    private CanaryBalancer(Balancer balancer, List<RouteSpec> routes) {
        this.balancer = balancer;
        Map<String, RouteSpec> byName = new LinkedHashMap<>();
        routes.forEach(route -> byName.put(route.name(), route));
        this.routes = byName;
    }

    /**
     * A builder with the embedding defaults: the proxy and the admin API on 127.0.0.1, each on a
     * free port ({@link #port()}, {@link #adminPort()}), and no route until one is added (a balancer
     * started without routes sends everything to {@code service-v1}/{@code service-v2} by replica
     * weight, as the exercise does). Say where the replicas come from with
     * {@link Builder#discovery(Discovery)}.
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder holding what the YAML file at {@code config} says, exactly as {@code java -jar
     * balancer.jar --config} reads it (the same checks and defaults); the builder's methods then
     * change it. {@code CONSUL_HTTP_ADDR} and {@code CONSUL_HTTP_TOKEN} in the environment win, as
     * for the command line.
     *
     * @throws BalancerException naming the file, the field and the reason when the file is not valid
     */
    public static Builder builder(Path config) throws BalancerException {
        try {
            return new Builder(ConfigLoader.load(config));
        } catch (ConfigException e) {
            throw new BalancerException(e.getMessage(), e);
        }
    }

    /** The port of the first listener (the one {@link Builder#listen(int)} set). */
    public int port() {
        return balancer.localAddress().getPort();
    }

    /** The ports of every listener, in the order they were configured. */
    public List<Integer> ports() {
        return balancer.localAddresses().stream().map(InetSocketAddress::getPort).toList();
    }

    /** The admin API's port: {@code /status}, {@code /metrics} and the dashboard at {@code /}. */
    public int adminPort() {
        return balancer.adminAddress().getPort();
    }

    /** Every route's status, in the configured order. */
    public List<RouteStatus> status() {
        return routes.keySet().stream().map(this::status).toList();
    }

    /**
     * Changes to the rollout of the route named {@code route}.
     *
     * @throws IllegalArgumentException when no route has that name
     */
    public Rollout rollout(String route) {
        return new Rollout(this, balancer.rollouts(), spec(route));
    }

    RouteStatus status(String name) {
        RouteSpec spec = spec(name);
        RolloutState state = balancer.rollouts().state(spec);
        io.canarybalancer.balancer.route.Route route = balancer.routes().get().route(name);
        TrafficStats stats = balancer.stats();
        return new RouteStatus(name, spec.pathPrefix(), Strategies.of(state.strategy(), state.weight()),
                state.paused(), route == null ? 0 : route.stable().replicas().size(),
                route == null ? 0 : route.canary().replicas().size(),
                stats.counts(name, PoolRole.STABLE.label()).total(), stats.counts(name, PoolRole.CANARY.label()).total(),
                state.autoRollback() == null ? null : state.autoRollback().reason());
    }

    private RouteSpec spec(String name) {
        RouteSpec spec = routes.get(name);
        if (spec == null) {
            throw new IllegalArgumentException("no route named '" + name + "' (routes: "
                    + String.join(", ", routes.keySet()) + ")");
        }
        return spec;
    }

    /** Drains and stops, as SIGTERM does: requests in flight finish first. Safe to call more than once. */
    @Override
    public void close() {
        balancer.close();
    }

    /**
     * What to start. Not thread-safe; {@link #start()} may be called more than once, each call
     * starting a balancer of its own (give each its own ports).
     */
    public static final class Builder {
        private final Path source;
        private final List<BalancerConfig.Listener> listeners = new ArrayList<>();
        private InetSocketAddress admin;
        private String adminToken;
        private final List<String> adminAllowedHosts;
        /** Set in code: turned into the balancer's discovery at each start, so each start has its own. */
        private Discovery discovery;
        /** Read from a file, when no discovery was set in code. */
        private BalancerConfig.Discovery fileDiscovery;
        private final Map<String, RouteSpec> routes = new LinkedHashMap<>();
        private final ProxySettings proxy;
        private boolean accessLog;

        private Builder() {
            source = null;
            listeners.add(new BalancerConfig.Listener(new InetSocketAddress("127.0.0.1", 0), null));
            admin = new InetSocketAddress("127.0.0.1", 0);
            adminAllowedHosts = List.of();
            proxy = ProxySettings.defaults();
        }

        private Builder(BalancerConfig config) {
            source = config.source();
            listeners.addAll(config.listeners());
            admin = config.adminListen();
            adminToken = config.adminToken();
            adminAllowedHosts = config.adminAllowedHosts();
            fileDiscovery = config.discovery();
            if (!config.routes().equals(List.of(BalancerConfig.seedRoute()))) {
                // A file without routes gets the seed route, as an empty builder does: only at start.
                config.routes().forEach(route -> routes.put(route.name(), route));
            }
            proxy = config.proxy();
            accessLog = config.accessLog();
        }

        /** The first listener on 127.0.0.1 at {@code port} (0: a free port), plain HTTP/1.1 and HTTP/2. */
        public Builder listen(int port) {
            return listen("127.0.0.1", port);
        }

        /**
         * The first listener at {@code host:port}; it keeps the TLS a YAML file gave it, and the
         * file's other listeners stay.
         */
        public Builder listen(String host, int port) {
            listeners.set(0, new BalancerConfig.Listener(new InetSocketAddress(host, port), listeners.get(0).tls()));
            return this;
        }

        /** The admin API on 127.0.0.1 at {@code port} (0: a free port). */
        public Builder admin(int port) {
            return admin("127.0.0.1", port);
        }

        /**
         * The admin API at {@code host:port}. Anywhere but a loopback address it needs
         * {@link #adminToken(String)}.
         */
        public Builder admin(String host, int port) {
            this.admin = new InetSocketAddress(host, port);
            return this;
        }

        /** The bearer token every admin request but the dashboard page must carry; {@code null} for none. */
        public Builder adminToken(String token) {
            this.adminToken = token;
            return this;
        }

        /** Adds {@code route}, or replaces the route of the same name. */
        public Builder route(Route route) {
            RouteSpec spec = route.spec();
            for (RouteSpec other : routes.values()) {
                if (!other.name().equals(spec.name()) && other.pathPrefix().equals(spec.pathPrefix())) {
                    throw new IllegalArgumentException("route " + other.name() + " already has the prefix "
                            + spec.pathPrefix());
                }
            }
            routes.put(spec.name(), spec);
            return this;
        }

        /**
         * Where replicas come from; required unless the builder came from a file. A
         * {@link Discovery#of(ReplicaSource) program's source} belongs to the balancer started with
         * it, which closes it when it closes (or fails to start): give each balancer its own.
         */
        public Builder discovery(Discovery source) {
            this.discovery = Objects.requireNonNull(source, "discovery");
            return this;
        }

        /** One line per request (and per mirrored pair) to the {@code access} logger. */
        public Builder accessLog(boolean on) {
            this.accessLog = on;
            return this;
        }

        /** The routes as they stand, in order. */
        public List<Route> routes() {
            return routes.values().stream().map(Route::new).toList();
        }

        /**
         * Starts the balancer; returns once every listener is bound and the admin API answers.
         *
         * @throws BalancerException when it cannot start (a port in use, say); nothing is left running then
         */
        public CanaryBalancer start() throws BalancerException {
            if (discovery == null && fileDiscovery == null) {
                throw new BalancerException("no discovery: call discovery(...) (Discovery.inMemory(), file, consul"
                        + " or of(source)) to say where the replicas come from", null);
            }
            for (BalancerConfig.Listener listener : listeners) {
                if (listener.address().isUnresolved()) {
                    throw new BalancerException("listen " + listener.address() + ": unknown host", null);
                }
            }
            if (admin.isUnresolved()) {
                throw new BalancerException("admin " + admin + ": unknown host", null);
            }
            if (BalancerConfig.adminNeedsToken(admin, adminToken)) {
                throw new BalancerException("admin " + admin + ": the admin API needs a token (adminToken) when it"
                        + " listens on an address other than loopback", null);
            }
            List<RouteSpec> specs = routes.isEmpty() ? List.of(BalancerConfig.seedRoute()) : List.copyOf(routes.values());
            BalancerConfig config = new BalancerConfig(source, listeners, admin, adminToken, adminAllowedHosts,
                    discovery != null ? discovery.toConfig() : fileDiscovery, specs, proxy, accessLog);
            try {
                return new CanaryBalancer(Balancer.start(config), specs);
            } catch (ConfigException | StartException e) {
                throw new BalancerException(e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BalancerException("interrupted while starting", e);
            } catch (RuntimeException e) {
                // Balancer.start stopped whatever it had started; the program gets one kind of failure.
                throw new BalancerException("could not start: " + e, e);
            }
        }
    }
}
