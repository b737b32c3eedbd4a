package io.canarybalancer.balancer.admin;

import io.canarybalancer.balancer.discovery.consul.WatchState;
import io.canarybalancer.balancer.proxy.pool.ConnectionCounts;
import io.canarybalancer.balancer.rollout.RolloutState;
import io.canarybalancer.balancer.route.PoolRole;
import io.canarybalancer.balancer.route.Route;
import io.canarybalancer.balancer.tls.CertificateStatus;
import io.canarybalancer.balancer.tls.TlsListener;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

/**
 * The admin listener (by default 127.0.0.1:48152): status, metrics, dashboard and rollout control.
 * Its own event loop and a worker thread for changes that wait on Consul, so nothing here can
 * slow the proxy's event loops.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

    private final EventLoopGroup group;
    private final ExecutorService worker;
    private final Channel listener;

    private AdminServer(EventLoopGroup group, ExecutorService worker, Channel listener) {
        this.group = group;
        this.worker = worker;
        this.listener = listener;
    }

    /**
     * Binds {@code address} and starts answering.
     *
     * @throws IOException when the address cannot be bound; no thread of this server is left running
     */
    public static AdminServer start(InetSocketAddress address, AdminContext context)
            throws IOException, InterruptedException {
        registerGauges(context);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("balancer-admin"),
                NioIoHandler.newFactory());
        ExecutorService worker = Executors.newSingleThreadExecutor(new DefaultThreadFactory("balancer-admin-worker", true));
        AdminHandler handler = new AdminHandler(context, worker,
                new BrowserGuard(new AllowedHosts(address, context.allowedHosts())));
        try {
            Channel listener = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_REUSEADDR, true) // rebind at once after a restart
                    // One request at a time per connection: the handler asks for the next once it
                    // answered, and FlowControlHandler holds pipelined requests decoded from one read.
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            channel.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024),
                                    new FlowControlHandler(), handler);
                        }
                    })
                    .bind(address).sync().channel();
            AdminServer server = new AdminServer(group, worker, listener);
            InetSocketAddress bound = server.localAddress();
            log.info("Admin API listening on {}:{}{}", bound.getAddress().getHostAddress(), bound.getPort(),
                    context.token() == null ? "" : " (bearer token required)");
            return server;
        } catch (Exception e) { // sync() rethrows a bind failure, an IOException, as it is
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly();
            worker.shutdownNow();
            throw e;
        }
    }

    /**
     * The backend connections of each replica address ({@code /status}'s {@code connections}),
     * read at scrape time: nothing on the request path.
     */
    private static void registerConnections(AdminContext context) {
        ConnectionCounts connections = context.connections();
        GaugeWithCallback.builder()
                .name("canary_balancer_backend_connections")
                .help("HTTP/1.1 connections to each replica address open now: in use (carrying a request or a tunnel,"
                        + " or connecting) or idle in a pool")
                .labelNames("address", "state")
                .callback(callback -> connections.forEach((address, counts) -> {
                    callback.call(counts.inUse(), label(address), "in_use");
                    callback.call(Math.max(0, counts.open() - counts.inUse()), label(address), "idle");
                }))
                .register(context.registry());
        GaugeWithCallback.builder()
                .name("canary_balancer_backend_connections_cap")
                .help("Connections to one replica in use at once at most (limits.backendConnections); 0: no cap")
                .callback(callback -> callback.call(connections.cap()))
                .register(context.registry());
        counter(context, connections, "canary_balancer_backend_connections_opened",
                "HTTP/1.1 connections opened to each replica address", ConnectionCounts.Counts::opened);
        counter(context, connections, "canary_balancer_backend_connections_reused",
                "Requests sent over a pooled HTTP/1.1 connection to each replica address", ConnectionCounts.Counts::reused);
        counter(context, connections, "canary_balancer_backend_connections_closed_by_backend",
                "Idle pooled connections each replica address closed", ConnectionCounts.Counts::closedByBackend);
        counter(context, connections, "canary_balancer_backend_connections_refused",
                "Requests that found the replica address at its cap of connections in use",
                ConnectionCounts.Counts::refused);
    }

    private static void counter(AdminContext context, ConnectionCounts connections, String name, String help,
                                ToLongFunction<ConnectionCounts.Counts> value) {
        CounterWithCallback.builder()
                .name(name)
                .help(help)
                .labelNames("address")
                .callback(callback -> connections.forEach((address, counts) ->
                        callback.call(value.applyAsLong(counts), label(address))))
                .register(context.registry());
    }

    /** An address as {@code /status} shows a replica's: host (as discovery gave it) and port. */
    private static String label(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }

    /** Gauges read at scrape time from the live table, rollout and watch state. */
    private static void registerGauges(AdminContext context) {
        registerConnections(context);
        GaugeWithCallback.builder()
                .name("canary_balancer_replicas")
                .help("Healthy replicas in each route's pools")
                .labelNames("route", "pool")
                .callback(callback -> {
                    for (Route route : context.routes().get().routes()) {
                        for (PoolRole role : PoolRole.values()) {
                            callback.call(route.pool(role).replicas().size(), route.name(), role.label());
                        }
                    }
                })
                .register(context.registry());
        GaugeWithCallback.builder()
                .name("canary_balancer_canary_expected_share")
                .help("Share of un-flagged requests each route's canary should get now (0 to 1)")
                .labelNames("route")
                .callback(callback -> {
                    for (Route route : context.routes().get().routes()) {
                        callback.call(StatusView.expectedCanaryShare(route), route.name());
                    }
                })
                .register(context.registry());
        GaugeWithCallback.builder()
                .name("canary_balancer_rollout_weight_percent")
                .help("The canary weight set for each route, and whether its rollout is paused")
                .labelNames("route", "strategy", "paused")
                .callback(callback -> context.rollouts().routeNames().forEach(name ->
                        context.rollouts().route(name).ifPresent(spec -> {
                            RolloutState state = context.rollouts().state(spec);
                            callback.call(state.weight(), name, state.strategy().label(), Boolean.toString(state.paused()));
                        })))
                .register(context.registry());
        GaugeWithCallback.builder()
                .name("canary_balancer_consul_watch_stale")
                .help("1 while a Consul watch may be behind: never answered, failing, or holding replicas")
                .labelNames("service")
                .callback(callback -> {
                    for (WatchState watch : context.watches().get()) {
                        callback.call(watch.stale() ? 1 : 0, watch.service());
                    }
                })
                .register(context.registry());
        GaugeWithCallback.builder()
                .name("canary_balancer_consul_watch_consecutive_failures")
                .help("Failed Consul calls since the watch's last success")
                .labelNames("service")
                .callback(callback -> {
                    for (WatchState watch : context.watches().get()) {
                        callback.call(watch.consecutiveFailures(), watch.service());
                    }
                })
                .register(context.registry());
        GaugeWithCallback.builder()
                .name("canary_balancer_consul_watch_skipped_instances")
                .help("Instances in the watch's last answer that cannot be used (bad port, address or weight)")
                .labelNames("service")
                .callback(callback -> {
                    for (WatchState watch : context.watches().get()) {
                        callback.call(watch.skipped().size(), watch.service());
                    }
                })
                .register(context.registry());
        GaugeWithCallback.builder()
                .name("canary_balancer_consul_watch_last_success_timestamp_seconds")
                .help("When each Consul watch last got a useful answer (Unix time)")
                .labelNames("service")
                .callback(callback -> {
                    for (WatchState watch : context.watches().get()) {
                        if (watch.lastSuccess() != null) {
                            callback.call(watch.lastSuccess().toEpochMilli() / 1000.0, watch.service());
                        }
                    }
                })
                .register(context.registry());
        GaugeWithCallback.builder()
                .name("canary_balancer_tls_certificate_expiry_timestamp_seconds")
                .help("When each certificate a TLS listener serves expires (Unix time)")
                .labelNames("listener", "certificate")
                .callback(callback -> {
                    for (TlsListener listener : context.tls()) {
                        for (CertificateStatus certificate : listener.terminator().certificates()) {
                            callback.call(certificate.served().notAfter().getEpochSecond(), listener.address(),
                                    certificate.file().toString());
                        }
                    }
                })
                .register(context.registry());
        CounterWithCallback.builder()
                .name("canary_balancer_tls_handshake_failures")
                .help("TLS handshakes that failed on each TLS listener")
                .labelNames("listener")
                .callback(callback -> {
                    for (TlsListener listener : context.tls()) {
                        callback.call(listener.terminator().handshakeFailures(), listener.address());
                    }
                })
                .register(context.registry());
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) listener.localAddress();
    }

    @Override
    public void close() {
        listener.close().awaitUninterruptibly();
        worker.shutdown();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        try {
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
