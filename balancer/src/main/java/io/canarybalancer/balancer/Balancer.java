package io.canarybalancer.balancer;

import io.canarybalancer.balancer.BalancerConfig.ConsulDiscovery;
import io.canarybalancer.balancer.BalancerConfig.FileDiscovery;
import io.canarybalancer.balancer.config.ConfigException;
import io.canarybalancer.balancer.discovery.FileReplicaSource;
import io.canarybalancer.balancer.discovery.ReplicaSource;
import io.canarybalancer.balancer.discovery.TableUpdater;
import io.canarybalancer.balancer.discovery.consul.ConsulReplicaSource;
import io.canarybalancer.balancer.discovery.consul.WatchState;
import io.canarybalancer.balancer.proxy.ProxyServer;
import io.canarybalancer.balancer.route.RoutingTableHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.List;

/** A running balancer: discovery feeding the routing table, and the proxy reading it. */
public final class Balancer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Balancer.class);

    private final ReplicaSource source;
    private final ProxyServer proxy;
    private final RoutingTableHolder routes;

    private Balancer(ReplicaSource source, ProxyServer proxy, RoutingTableHolder routes) {
        this.source = source;
        this.proxy = proxy;
        this.routes = routes;
    }

    /** Starts discovery, then the proxy; a bad replica file or a port in use fails here. */
    public static Balancer start(BalancerConfig config) throws ConfigException, InterruptedException {
        RoutingTableHolder routes = new RoutingTableHolder();
        ReplicaSource source = source(config);
        source.start(new TableUpdater(routes, config.routes()));
        try {
            ProxyServer proxy = ProxyServer.start(config.listen(), routes, config.proxy());
            log.info("Balancer listening on {}", format(proxy.localAddress()));
            return new Balancer(source, proxy, routes);
        } catch (RuntimeException | InterruptedException e) {
            source.close();
            throw e;
        }
    }

    private static ReplicaSource source(BalancerConfig config) throws ConfigException {
        if (config.discovery() instanceof FileDiscovery file) {
            return new FileReplicaSource(file.file());
        }
        ConsulDiscovery consul = (ConsulDiscovery) config.discovery();
        return new ConsulReplicaSource(consul.settings(), config.services());
    }

    /** The state of each Consul watch; empty with file discovery. */
    public List<WatchState> watchStates() {
        return source instanceof ConsulReplicaSource consul ? consul.states() : List.of();
    }

    public InetSocketAddress localAddress() {
        return proxy.localAddress();
    }

    public RoutingTableHolder routes() {
        return routes;
    }

    @Override
    public void close() {
        proxy.close();
        source.close();
        log.info("Balancer stopped");
    }

    static String format(InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
