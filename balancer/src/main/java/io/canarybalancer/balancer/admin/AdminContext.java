package io.canarybalancer.balancer.admin;

import io.canarybalancer.balancer.discovery.RolloutControl;
import io.canarybalancer.balancer.discovery.consul.WatchState;
import io.canarybalancer.balancer.metrics.TrafficStats;
import io.canarybalancer.balancer.route.RoutingTableHolder;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.util.List;
import java.util.function.Supplier;

/**
 * What the admin API shows and changes.
 *
 * @param discovery "consul" or "file"
 * @param token     the bearer token every request but the dashboard page must carry, or {@code null}
 */
public record AdminContext(RoutingTableHolder routes, RolloutControl rollouts, TrafficStats stats,
                           PrometheusRegistry registry, Supplier<List<WatchState>> watches, String discovery,
                           String version, String token) {
}
