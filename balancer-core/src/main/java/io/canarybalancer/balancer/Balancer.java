package io.canarybalancer.balancer;

import io.canarybalancer.balancer.admin.AdminContext;
import io.canarybalancer.balancer.admin.AdminServer;
import io.canarybalancer.balancer.analysis.CanaryAnalysis;
import io.canarybalancer.balancer.config.BalancerConfig;
import io.canarybalancer.balancer.config.BalancerConfig.ConsulDiscovery;
import io.canarybalancer.balancer.config.BalancerConfig.FileDiscovery;
import io.canarybalancer.balancer.config.BalancerConfig.Listener;
import io.canarybalancer.balancer.config.BalancerConfig.ProgramDiscovery;
import io.canarybalancer.balancer.config.spec.RouteSpec;
import io.canarybalancer.balancer.config.yaml.ConfigException;
import io.canarybalancer.balancer.discovery.FileReplicaSource;
import io.canarybalancer.balancer.discovery.ReplicaSource;
import io.canarybalancer.balancer.discovery.consul.ConsulReplicaSource;
import io.canarybalancer.balancer.discovery.consul.WatchState;
import io.canarybalancer.balancer.metrics.TrafficStats;
import io.canarybalancer.balancer.mirror.MirrorSettings;
import io.canarybalancer.balancer.mirror.Mirrors;
import io.canarybalancer.balancer.proxy.PassiveHealth;
import io.canarybalancer.balancer.proxy.ProxyServer;
import io.canarybalancer.balancer.proxy.pool.ConnectionCounts;
import io.canarybalancer.balancer.rollout.ConsulRolloutStore;
import io.canarybalancer.balancer.rollout.LocalRolloutStore;
import io.canarybalancer.balancer.rollout.RolloutControl;
import io.canarybalancer.balancer.rollout.RolloutStore;
import io.canarybalancer.balancer.rollout.TableUpdater;
import io.canarybalancer.balancer.route.RoutingTableHolder;
import io.canarybalancer.balancer.tls.CertificateFacts;
import io.canarybalancer.balancer.tls.CertificateLoadException;
import io.canarybalancer.balancer.tls.CertificateWatcher;
import io.canarybalancer.balancer.tls.TlsEngine;
import io.canarybalancer.balancer.tls.TlsListener;
import io.canarybalancer.balancer.tls.TlsTerminator;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.canarybalancer.balancer.config.BalancerConfig.format;

/** A running balancer: discovery and rollout state feeding the routing table, the proxy reading it, the admin API. */
public final class Balancer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Balancer.class);

    private final ReplicaSource source;
    private final RolloutStore rollout;
    private final ProxyServer proxy;
    private final AdminServer admin;
    private final RoutingTableHolder routes;
    private final CanaryAnalysis analysis;
    private final CertificateWatcher certificates;
    private final Mirrors mirrors;
    private final RolloutControl control;
    private final TrafficStats stats;

    private Balancer(ReplicaSource source, RolloutStore rollout, ProxyServer proxy, AdminServer admin,
                     RoutingTableHolder routes, CanaryAnalysis analysis, CertificateWatcher certificates,
                     Mirrors mirrors, RolloutControl control, TrafficStats stats) {
        this.certificates = certificates;
        this.mirrors = mirrors;
        this.control = control;
        this.stats = stats;
        this.source = source;
        this.rollout = rollout;
        this.proxy = proxy;
        this.admin = admin;
        this.routes = routes;
        this.analysis = analysis;
    }

    /**
     * Starts rollout state and discovery, then the proxy and the admin API. Start-up succeeds whole
     * or fails whole: a bad replica file, a port in use or any other failure stops whatever was
     * already started, threads included, before the exception leaves.
     *
     * @throws StartException when a listener cannot bind (or anything else outside the file fails)
     */
    public static Balancer start(BalancerConfig config) throws ConfigException, StartException, InterruptedException {
        RoutingTableHolder routes = new RoutingTableHolder();
        TableUpdater updater = new TableUpdater(routes, config.routes());
        ReplicaSource source = source(config);
        RolloutStore rollout = config.discovery() instanceof ConsulDiscovery consul
                ? new ConsulRolloutStore(consul.settings(), consul.rolloutPrefix()) : new LocalRolloutStore();
        ProxyServer proxy = null;
        CanaryAnalysis analysis = null;
        AdminServer admin = null;
        CertificateWatcher certificates = null;
        Mirrors mirrors = null;
        try {
            rollout.start(updater::rolloutChanged);
            source.start(updater::catalogChanged);
            PrometheusRegistry registry = new PrometheusRegistry();
            TrafficStats stats = new TrafficStats(registry, config.accessLog());
            Map<String, MirrorSettings> mirrored = new LinkedHashMap<>();
            config.routes().stream().filter(spec -> spec.mirror() != null)
                    .forEach(spec -> mirrored.put(spec.name(), spec.mirror()));
            mirrors = Mirrors.start(mirrored, registry, config.accessLog());
            proxy = ProxyServer.start(routes, config.proxy(), stats, mirrors);
            proxy.prepareBackendTls(config.routes().stream().map(RouteSpec::upstream).filter(up -> up.tls() != null)
                    .distinct().toList());
            PassiveHealth health = proxy.health();
            ConnectionCounts connections = proxy.connections();
            routes.onChange(table -> {
                stats.retainReplicasOf(table);
                health.retainAddressesOf(table);
                connections.retain(table.addresses());
            });
            List<TlsListener> tls = bind(proxy, config.listeners());
            certificates = CertificateWatcher.start(tls.stream().map(TlsListener::terminator).toList(),
                    CertificateWatcher.DEFAULT_INTERVAL);
            RolloutControl control = new RolloutControl(updater, rollout);
            analysis = CanaryAnalysis.start(routes, stats, mirrors, control, registry);
            Balancer[] self = new Balancer[1];
            AdminContext context = new AdminContext(routes, control, stats, registry,
                    () -> self[0] == null ? List.of() : self[0].watchStates(), proxy.health()::ejections,
                    analysis::statuses, mirrors, connections, config.discovery() instanceof ConsulDiscovery ? "consul"
                            : config.discovery() instanceof ProgramDiscovery ? "program" : "file",
                    BalancerVersion.current(), config.adminToken(), config.adminAllowedHosts(), tls);
            admin = listen("admin.listen", config.adminListen(),
                    () -> AdminServer.start(config.adminListen(), context));
            self[0] = new Balancer(source, rollout, proxy, admin, routes, analysis, certificates, mirrors, control,
                    stats);
            return self[0];
        } catch (Throwable e) {
            // Stop in the reverse order of starting; nothing may stay behind, not even a thread.
            closeAll(admin, analysis, certificates, proxy, mirrors, source, rollout);
            throw e;
        }
    }

    /**
     * Binds every listener, in order; logs "Balancer listening on" for the first (scripts and tests
     * wait for that line) and "Balancer also listening on" for each other.
     *
     * @return the TLS listeners, with their bound addresses
     */
    private static List<TlsListener> bind(ProxyServer proxy, List<Listener> listeners)
            throws StartException, InterruptedException {
        TlsEngine engine = listeners.stream().anyMatch(listener -> listener.tls() != null) ? TlsEngine.available() : null;
        List<TlsListener> tls = new ArrayList<>();
        for (int i = 0; i < listeners.size(); i++) {
            Listener listener = listeners.get(i);
            String field = listeners.size() == 1 ? "listen" : "listen[" + i + "]";
            TlsTerminator terminator = listener.tls() == null ? null : terminator(field, listener, engine);
            InetSocketAddress bound = listen(field, listener.address(), () -> proxy.bind(listener.address(), terminator));
            if (i == 0) {
                log.info("Balancer listening on {}", format(bound));
            } else {
                log.info("Balancer also listening on {}{}", format(bound), terminator == null ? "" : " (TLS)");
            }
            if (terminator != null) {
                CertificateFacts served = terminator.certificates().get(0).served();
                log.info("TLS on {} ({} engine): {} serial {}, {}, expires {}; {} SNI pair(s)", format(bound),
                        engine.label(), listener.tls().certificate().cert(), served.serial(), served.subject(),
                        served.notAfter(), listener.tls().sni().size());
                tls.add(new TlsListener(format(bound), terminator));
            }
        }
        return tls;
    }

    /** Loads a listener's certificates; the configuration check loaded them already, unless they changed since. */
    private static TlsTerminator terminator(String field, Listener listener, TlsEngine engine) throws StartException {
        try {
            return TlsTerminator.load(format(listener.address()), listener.tls(), engine, Clock.systemUTC());
        } catch (CertificateLoadException e) {
            throw new StartException(field + ".tls: " + e.describe(), e);
        }
    }

    /** Starts a listener; a bind failure becomes one line naming the field, the address and the reason. */
    private static <T> T listen(String field, InetSocketAddress address, Binding<T> listener)
            throws StartException, InterruptedException {
        try {
            return listener.start();
        } catch (IOException e) {
            throw StartException.cannotListen(field, address, e);
        }
    }

    /** Starting a server that binds an address. */
    private interface Binding<T> {
        T start() throws IOException, InterruptedException;
    }

    private static void closeAll(AutoCloseable... parts) {
        for (AutoCloseable part : parts) {
            if (part == null) {
                continue;
            }
            try {
                part.close();
            } catch (Exception e) {
                log.warn("Stopping {} failed", part.getClass().getSimpleName(), e);
            }
        }
    }

    private static ReplicaSource source(BalancerConfig config) throws ConfigException {
        if (config.discovery() instanceof FileDiscovery file) {
            return new FileReplicaSource(file.file());
        }
        if (config.discovery() instanceof ProgramDiscovery program) {
            return program.source();
        }
        ConsulDiscovery consul = (ConsulDiscovery) config.discovery();
        return new ConsulReplicaSource(consul.settings(), config.services());
    }

    /** The state of each Consul watch, the rollout keys' last; empty with file discovery. */
    public List<WatchState> watchStates() {
        List<WatchState> states = new ArrayList<>();
        if (source instanceof ConsulReplicaSource consul) {
            states.addAll(consul.states());
        }
        if (rollout instanceof ConsulRolloutStore store) {
            states.add(store.state());
        }
        return states;
    }

    /** The primary (first) listener's bound address. */
    public InetSocketAddress localAddress() {
        return proxy.localAddress();
    }

    /** Every listener's bound address, in configuration order. */
    public List<InetSocketAddress> localAddresses() {
        return proxy.localAddresses();
    }

    public RoutingTableHolder routes() {
        return routes;
    }

    /** The admin API's bound address (useful when it listens on port 0). */
    public InetSocketAddress adminAddress() {
        return admin.localAddress();
    }

    /** Operator changes to the routes' rollouts, as the admin API makes them. */
    public RolloutControl rollouts() {
        return control;
    }

    /** What the proxy saw, per route and pool. */
    public TrafficStats stats() {
        return stats;
    }

    private final AtomicBoolean closed = new AtomicBoolean();

    /** Drains and stops everything; safe to call more than once. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        log.info("Balancer stopping: draining requests in flight");
        closeAll(analysis, admin, certificates, proxy, mirrors, source, rollout);
        log.info("Balancer stopped");
    }
}
