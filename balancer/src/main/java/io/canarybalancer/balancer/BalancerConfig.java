package io.canarybalancer.balancer;

import io.canarybalancer.balancer.discovery.PoolRef;
import io.canarybalancer.balancer.discovery.RouteSpec;
import io.canarybalancer.balancer.proxy.ProxySettings;
import io.canarybalancer.balancer.route.RoutePolicy;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The whole validated configuration of one balancer. Built by {@link ConfigLoader} from a file, or
 * {@link #defaults()} for the seed exercise's setup.
 *
 * @param source where it was read from, or {@code null} for the built-in defaults
 */
public record BalancerConfig(Path source, InetSocketAddress listen, InetSocketAddress adminListen,
                             Discovery discovery, List<RouteSpec> routes, ProxySettings proxy) {

    public static final int DEFAULT_PORT = 48151;
    public static final int DEFAULT_ADMIN_PORT = 48152;

    public BalancerConfig {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(adminListen, "adminListen");
        Objects.requireNonNull(discovery, "discovery");
        Objects.requireNonNull(proxy, "proxy");
        routes = List.copyOf(routes);
    }

    /** Where replicas come from. */
    public sealed interface Discovery permits FileDiscovery, ConsulDiscovery {
    }

    /** Replicas listed in a YAML file, reloaded on change. */
    public record FileDiscovery(Path file) implements Discovery {
    }

    /** Replicas watched in Consul's health API. */
    public record ConsulDiscovery(String url, String token, String datacenter) implements Discovery {
    }

    /** The one route of the seed exercise: everything to {@code service-v1}/{@code service-v2}. */
    public static RouteSpec seedRoute() {
        return new RouteSpec("default", "/", new PoolRef("service-v1", null), new PoolRef("service-v2", null),
                RoutePolicy.defaults());
    }

    /** The seed exercise's setup: port 48151, Consul on the local agent, one replica-weighted route. */
    public static BalancerConfig defaults() {
        return new BalancerConfig(null, new InetSocketAddress("0.0.0.0", DEFAULT_PORT),
                new InetSocketAddress("127.0.0.1", DEFAULT_ADMIN_PORT),
                new ConsulDiscovery("http://127.0.0.1:8500", null, null),
                List.of(seedRoute()), ProxySettings.defaults());
    }
}
