package io.canarybalancer.balancer.proxy;

import io.canarybalancer.balancer.config.spec.PoolRef;
import io.canarybalancer.balancer.config.spec.RouteSpec;
import io.canarybalancer.balancer.discovery.Catalog;
import io.canarybalancer.balancer.discovery.ServiceInstance;
import io.canarybalancer.balancer.discovery.TableBuilder;
import io.canarybalancer.balancer.metrics.TrafficStats;
import io.canarybalancer.balancer.mirror.Mirrors;
import io.canarybalancer.balancer.proxy.pool.BackendConnector;
import io.canarybalancer.balancer.route.RoutePolicy;
import io.canarybalancer.balancer.route.RoutingTableHolder;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A {@link ProxyContext} for handler tests: default settings, fresh counters, health and retry budget. */
final class TestProxyContext {

    private TestProxyContext() {
    }

    /**
     * Publishes route {@code message} ({@code /}: service-v1 / service-v2) with one stable replica on
     * 127.0.0.1:9001 and no canary, plus any {@code more} routes.
     */
    static void oneStableReplica(RoutingTableHolder routes, RouteSpec... more) {
        List<RouteSpec> specs = new ArrayList<>();
        specs.add(new RouteSpec("message", "/", new PoolRef("service-v1", null), new PoolRef("service-v2", null),
                RoutePolicy.defaults()));
        specs.addAll(List.of(more));
        routes.set(TableBuilder.build(specs, new Catalog(Map.of("service-v1",
                List.of(new ServiceInstance("s1", "127.0.0.1", 9001, List.of(), 1))))));
    }

    static ProxyContext of(RoutingTableHolder routes, BackendConnector backends) {
        return of(routes, backends, ProxySettings.defaults());
    }

    static ProxyContext of(RoutingTableHolder routes, BackendConnector backends, ProxySettings settings) {
        return new ProxyContext(routes, loop -> backends, settings,
                new TrafficStats(new PrometheusRegistry(), false),
                new PassiveHealth(Duration.ofSeconds(1), Duration.ofSeconds(30), System::nanoTime),
                new RetryBudget(0.2, 10, TimeUnit.SECONDS.toNanos(1), System.nanoTime()), Mirrors.NONE,
                loop -> backends);
    }
}
