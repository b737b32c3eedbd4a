package io.canarybalancer.balancer.proxy;

import io.canarybalancer.balancer.metrics.TrafficStats;
import io.canarybalancer.balancer.mirror.Mirrors;
import io.canarybalancer.balancer.proxy.pool.BackendConnector;
import io.canarybalancer.balancer.route.Ejections;
import io.canarybalancer.balancer.route.RoutingTableHolder;
import io.netty.channel.EventLoop;

import java.util.function.Function;

/**
 * What every client connection of one proxy shares: the routing table, the backend connections of
 * each event loop, the settings, what is learnt from traffic (counters, replica health, the retry
 * budget), and the routes' mirrors with connections of their own (a copy never takes a connection
 * the clients' requests could use). Everything in it is safe to use from any event loop.
 *
 * @param avoided the replicas a pick passes over while it has others: those passive health ejected,
 *                and those at their cap of connections in use ({@code limits.backendConnections})
 */
record ProxyContext(RoutingTableHolder routes, Function<EventLoop, ? extends BackendConnector> connectors,
                    ProxySettings settings, TrafficStats stats, PassiveHealth health, RetryBudget retries,
                    Mirrors mirrors, Function<EventLoop, ? extends BackendConnector> mirrorConnectors,
                    Ejections avoided) {

    /** A context whose picks avoid only the replicas passive health ejected (no connection cap). */
    ProxyContext(RoutingTableHolder routes, Function<EventLoop, ? extends BackendConnector> connectors,
                 ProxySettings settings, TrafficStats stats, PassiveHealth health, RetryBudget retries,
                 Mirrors mirrors, Function<EventLoop, ? extends BackendConnector> mirrorConnectors) {
        this(routes, connectors, settings, stats, health, retries, mirrors, mirrorConnectors, health);
    }
}
