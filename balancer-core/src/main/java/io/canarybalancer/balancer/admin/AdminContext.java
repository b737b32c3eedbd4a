package io.canarybalancer.balancer.admin;

import io.canarybalancer.balancer.analysis.AnalysisStatus;
import io.canarybalancer.balancer.discovery.consul.WatchState;
import io.canarybalancer.balancer.metrics.TrafficStats;
import io.canarybalancer.balancer.mirror.Mirrors;
import io.canarybalancer.balancer.proxy.PassiveHealth.Ejection;
import io.canarybalancer.balancer.proxy.pool.ConnectionCounts;
import io.canarybalancer.balancer.rollout.RolloutControl;
import io.canarybalancer.balancer.route.RoutingTableHolder;
import io.canarybalancer.balancer.tls.TlsListener;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What the admin API shows and changes.
 *
 * @param ejections replicas passive health currently keeps out, by {@code host:port}
 * @param analysis  the last canary analysis check of each route that has analysis
 * @param mirrors   the routes' mirrors, with what their compared pairs showed
 * @param connections the HTTP/1.1 connections to each replica, and their cap
 * @param discovery "consul" or "file"
 * @param token     the bearer token every request but the dashboard page must carry, or {@code null}
 * @param allowedHosts names besides its address and localhost that requests may give as Host ({@link AllowedHosts})
 * @param tls       the TLS listeners, with their certificates
 */
public record AdminContext(RoutingTableHolder routes, RolloutControl rollouts, TrafficStats stats,
                           PrometheusRegistry registry, Supplier<List<WatchState>> watches,
                           Supplier<Map<String, Ejection>> ejections, Supplier<Map<String, AnalysisStatus>> analysis,
                           Mirrors mirrors, ConnectionCounts connections, String discovery, String version,
                           String token, List<String> allowedHosts,
                           List<TlsListener> tls) {

    public AdminContext {
        allowedHosts = List.copyOf(allowedHosts);
        tls = List.copyOf(tls);
    }
}
