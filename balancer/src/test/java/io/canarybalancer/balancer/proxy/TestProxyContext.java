package io.canarybalancer.balancer.proxy;

import io.canarybalancer.balancer.metrics.TrafficStats;
import io.canarybalancer.balancer.proxy.pool.BackendConnector;
import io.canarybalancer.balancer.route.RoutingTableHolder;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A {@link ProxyContext} for handler tests: default settings, fresh counters, health and retry budget. */
final class TestProxyContext {

    private TestProxyContext() {
    }

    static ProxyContext of(RoutingTableHolder routes, BackendConnector backends) {
        return of(routes, backends, ProxySettings.defaults());
    }

    static ProxyContext of(RoutingTableHolder routes, BackendConnector backends, ProxySettings settings) {
        return new ProxyContext(routes, loop -> backends, settings,
                new TrafficStats(new PrometheusRegistry(), false),
                new PassiveHealth(Duration.ofSeconds(1), Duration.ofSeconds(30), System::nanoTime),
                new RetryBudget(0.2, 10, TimeUnit.SECONDS.toNanos(1), System.nanoTime()));
    }
}
