package io.canarybalancer.balancer.config;

import io.canarybalancer.balancer.config.spec.PoolRef;
import io.canarybalancer.balancer.config.spec.RouteSpec;
import io.canarybalancer.balancer.discovery.ReplicaSource;
import io.canarybalancer.balancer.discovery.consul.ConsulSettings;
import io.canarybalancer.balancer.proxy.ProxySettings;
import io.canarybalancer.balancer.route.RoutePolicy;
import io.canarybalancer.balancer.tls.TlsSettings;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The whole validated configuration of one balancer. Built by {@link ConfigLoader} from a file, or
 * {@link #defaults(Map)} for the seed exercise's setup.
 *
 * @param source            where it was read from, or {@code null} for the built-in defaults
 * @param listeners         where the proxy listens, at least one; the first is the primary ({@link #listen()})
 * @param adminAllowedHosts names, besides its address and localhost, that requests to the admin listener
 *                          may give as their Host (lower case; {@code admin.allowedHosts})
 */
public record BalancerConfig(Path source, List<Listener> listeners, InetSocketAddress adminListen, String adminToken,
                             List<String> adminAllowedHosts, Discovery discovery, List<RouteSpec> routes,
                             ProxySettings proxy, boolean accessLog) {

    public static final int DEFAULT_PORT = 48151;
    public static final int DEFAULT_ADMIN_PORT = 48152;
    public static final String DEFAULT_CONSUL = "http://127.0.0.1:8500";

    public BalancerConfig {
        listeners = List.copyOf(listeners);
        if (listeners.isEmpty()) {
            throw new IllegalArgumentException("at least one listener is needed");
        }
        Objects.requireNonNull(adminListen, "adminListen");
        Objects.requireNonNull(discovery, "discovery");
        Objects.requireNonNull(proxy, "proxy");
        adminAllowedHosts = List.copyOf(adminAllowedHosts);
        routes = List.copyOf(routes);
    }

    /** One plain listener, no admin token, no other admin host names, no access log. */
    public BalancerConfig(Path source, InetSocketAddress listen, InetSocketAddress adminListen, Discovery discovery,
                          List<RouteSpec> routes, ProxySettings proxy) {
        this(source, List.of(new Listener(listen, null)), adminListen, null, List.of(), discovery, routes, proxy, false);
    }

    /** The primary listener's address: the first of {@link #listeners()}. */
    public InetSocketAddress listen() {
        return listeners.get(0).address();
    }

    /**
     * One address the proxy listens on, every listener routed by the same table.
     *
     * @param tls its certificates when it speaks TLS, {@code null} for plain HTTP
     */
    public record Listener(InetSocketAddress address, TlsSettings tls) {
        public Listener {
            Objects.requireNonNull(address, "address");
        }
    }

    /** Where replicas come from. */
    public sealed interface Discovery permits FileDiscovery, ConsulDiscovery, ProgramDiscovery {
    }

    /** Replicas a program embedding the balancer reports itself (see {@code io.canarybalancer.api.Discovery}). */
    public record ProgramDiscovery(ReplicaSource source) implements Discovery {
        public ProgramDiscovery {
            Objects.requireNonNull(source, "source");
        }
    }

    /** Replicas listed in a YAML file, reloaded on change. */
    public record FileDiscovery(Path file) implements Discovery {
    }

    /**
     * Replicas watched in Consul's health API; rollout state kept in Consul KV under {@code rolloutPrefix}.
     */
    public record ConsulDiscovery(ConsulSettings settings, String rolloutPrefix) implements Discovery {
        public static final String DEFAULT_ROLLOUT_PREFIX = "canary-balancer/rollout/";

        public ConsulDiscovery(ConsulSettings settings) {
            this(settings, DEFAULT_ROLLOUT_PREFIX);
        }
    }

    /** The one route of the seed exercise: everything to {@code service-v1}/{@code service-v2}. */
    public static RouteSpec seedRoute() {
        return new RouteSpec("default", "/", new PoolRef("service-v1", null), new PoolRef("service-v2", null),
                RoutePolicy.defaults());
    }

    /**
     * The seed exercise's setup: port 48151, Consul at {@code CONSUL_HTTP_ADDR} (default the local
     * agent) with {@code CONSUL_HTTP_TOKEN}, one replica-weighted route.
     */
    public static BalancerConfig defaults(Map<String, String> env) {
        return new BalancerConfig(null, List.of(new Listener(new InetSocketAddress("0.0.0.0", DEFAULT_PORT), null)),
                new InetSocketAddress("127.0.0.1", DEFAULT_ADMIN_PORT), adminTokenFromEnv(env, null), List.of(),
                new ConsulDiscovery(consulFromEnv(env, DEFAULT_CONSUL, null, null)),
                List.of(seedRoute()), ProxySettings.defaults(), false);
    }

    /**
     * The rule for the admin API, whether configured in a file or in code: where other hosts can reach
     * it (any address but loopback), it must ask for a token, or start-up is refused.
     */
    public static boolean adminNeedsToken(InetSocketAddress adminListen, String adminToken) {
        return adminToken == null && !adminListen.getAddress().isLoopbackAddress();
    }

    /** {@code BALANCER_ADMIN_TOKEN} when set, else the configured token. */
    static String adminTokenFromEnv(Map<String, String> env, String configured) {
        String token = env.get("BALANCER_ADMIN_TOKEN");
        return token == null || token.isBlank() ? configured : token;
    }

    /** Consul settings where {@code CONSUL_HTTP_ADDR} and {@code CONSUL_HTTP_TOKEN}, when set, win. */
    static ConsulSettings consulFromEnv(Map<String, String> env, String url, String token, String datacenter) {
        String address = env.get("CONSUL_HTTP_ADDR");
        String envToken = env.get("CONSUL_HTTP_TOKEN");
        return ConsulSettings.of(ConsulSettings.normaliseUrl(address == null || address.isBlank() ? url : address),
                envToken == null || envToken.isBlank() ? token : envToken, datacenter);
    }

    /** An address as a user writes it: {@code host:port}, an IPv6 host in brackets. */
    public static String format(InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /** The services any route reads, each once. */
    public List<String> services() {
        Set<String> services = new LinkedHashSet<>();
        for (RouteSpec route : routes) {
            services.add(route.stable().service());
            services.add(route.canary().service());
        }
        return List.copyOf(services);
    }
}
