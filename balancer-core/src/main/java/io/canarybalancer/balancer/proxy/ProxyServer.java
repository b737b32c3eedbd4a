package io.canarybalancer.balancer.proxy;

import io.canarybalancer.balancer.metrics.TrafficStats;
import io.canarybalancer.balancer.mirror.Mirrors;
import io.canarybalancer.balancer.proxy.pool.BackendPools;
import io.canarybalancer.balancer.proxy.pool.ConnectionCounts;
import io.canarybalancer.balancer.route.Ejections;
import io.canarybalancer.balancer.route.RoutingTableHolder;
import io.canarybalancer.balancer.route.Upstream;
import io.canarybalancer.balancer.tls.TlsTerminator;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.ChannelGroupFuture;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The listening side of the balancer: one or more listeners, plain or TLS, accept client
 * connections and give each a {@link FrontendHandler}. Backend connections share the client
 * connection's event loop.
 */
public final class ProxyServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);

    private final EventLoopGroup workers;
    private final ServerBootstrap bootstrap;
    private final ProxyContext context;
    /** Bound by the thread that starts the balancer, read by any; closed together. */
    private final List<Channel> listeners = new CopyOnWriteArrayList<>();
    private final ChannelGroup clients;
    private final Duration drainTimeout;
    private final PassiveHealth health;
    private final BackendPools pools;
    private final BackendPools mirrorPools;
    private final ConnectionCounts connections;
    private final Transport transport;

    private ProxyServer(EventLoopGroup workers, ServerBootstrap bootstrap, ProxyContext context, ChannelGroup clients,
                        Duration drainTimeout, PassiveHealth health, Transport transport, BackendPools pools,
                        BackendPools mirrorPools, ConnectionCounts connections) {
        this.connections = connections;
        this.health = health;
        this.pools = pools;
        this.mirrorPools = mirrorPools;
        this.transport = transport;
        this.workers = workers;
        this.bootstrap = bootstrap;
        this.context = context;
        this.clients = clients;
        this.drainTimeout = drainTimeout;
    }

    /**
     * Starts the event loops and everything the listeners share: one group serves every listener
     * {@link #bind} adds, and every client connection of them counts towards {@code maxConnections}
     * and takes part in the drain on {@link #close()}.
     *
     * @throws IllegalStateException when the configured transport cannot run on this machine
     */
    public static ProxyServer start(RoutingTableHolder routes, ProxySettings settings, TrafficStats stats,
                                    Mirrors mirrors) {
        Transport transport = Transport.of(settings.transport());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(settings.ioThreads(),
                new DefaultThreadFactory("balancer-io"), transport.ioHandlerFactory());
        ChannelGroup clients = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
        ConnectionCounts connections = new ConnectionCounts(settings.limits().backendConnections());
        BackendPools pools = new BackendPools(workers, transport.socketChannel(), new BackendInitializer(settings),
                settings.connectTimeout(), settings.backendIdleTimeout(), settings.maxIdlePerReplica(), connections);
        PassiveHealth health = new PassiveHealth(Duration.ofSeconds(1), Duration.ofSeconds(30), System::nanoTime);
        // Retries may add 20% to the traffic, plus ten a second, however many replicas fail.
        RetryBudget retries = new RetryBudget(0.2, 10, TimeUnit.SECONDS.toNanos(1), System.nanoTime());
        BackendPools mirrorPools = new BackendPools(workers, transport.socketChannel(),
                new BackendInitializer(settings), settings.connectTimeout(), settings.backendIdleTimeout(),
                // The copies' connections: bounded by each mirror's maxInFlight, neither capped nor shown.
                settings.maxIdlePerReplica(), new ConnectionCounts(0));
        // A pick skips a replica at its cap as it skips an ejected one (without a cap: health alone).
        Ejections avoided = connections.cap() == 0 ? health
                : replica -> health.isEjected(replica) || connections.full(replica.address());
        ProxyContext context = new ProxyContext(routes, pools::forLoop, settings, stats, health, retries, mirrors,
                mirrorPools::forLoop, avoided);
        ServerBootstrap bootstrap = new ServerBootstrap()
                // One group: a connection is accepted by an I/O thread and served by one, with no
                // hand-over between threads (and no wake-up) per connection, as HAProxy does.
                .group(workers)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true) // a client may close its side and wait
                .childOption(ChannelOption.TCP_NODELAY, true)
                // The classic pooled allocator: measurably cheaper than 4.2's adaptive default
                // for a proxy's many short-lived buffers of similar sizes.
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024));
        log.info("Proxy transport: {}, {} I/O thread(s)", transport.label(),
                ((MultiThreadIoEventLoopGroup) workers).executorCount());
        return new ProxyServer(workers, bootstrap, context, clients, settings.drainTimeout(), health, transport, pools,
                mirrorPools, connections);
    }

    /**
     * Binds one more listener, routed by the same table as the others.
     *
     * @param tls TLS for its connections, or {@code null} for plain HTTP
     * @return the bound address (useful when listening on port 0)
     * @throws IOException when the address cannot be bound
     */
    public InetSocketAddress bind(InetSocketAddress address, TlsTerminator tls) throws IOException, InterruptedException {
        // sync() rethrows a bind failure, an IOException, as it is
        Channel listener = bootstrap.clone()
                .childHandler(new FrontendInitializer(context, clients, tls))
                .bind(address).sync().channel();
        listeners.add(listener);
        return (InetSocketAddress) listener.localAddress();
    }

    /**
     * Makes the TLS context of each of these backend settings now, on this thread, rather than on
     * an event loop at the first request that needs it (which would read the trust store there).
     */
    public void prepareBackendTls(Collection<Upstream> settings) {
        pools.prepare(settings);
        mirrorPools.prepare(settings);
    }

    /**
     * The HTTP/1.1 connections to each replica (the clients' requests, not the mirrors' copies): in
     * use, open, opened, reused, closed by the backend, refused at the cap.
     */
    public ConnectionCounts connections() {
        return connections;
    }

    /** What passive health has learnt about the replicas: ejections in force, with their reasons. */
    public PassiveHealth health() {
        return health;
    }

    /** The I/O transport in use: {@code epoll}, {@code io_uring} or {@code nio}. */
    public String transport() {
        return transport.label();
    }

    /** The first listener's bound address (useful when listening on port 0). */
    public InetSocketAddress localAddress() {
        return localAddresses().get(0);
    }

    /** Every listener's bound address, in the order they were bound. */
    public List<InetSocketAddress> localAddresses() {
        return listeners.stream().map(listener -> (InetSocketAddress) listener.localAddress()).toList();
    }

    /**
     * Shuts down gracefully: stops accepting on every listener, lets every exchange in flight finish (its response
     * closes its connection) and closes idle connections at once; after the drain timeout whatever
     * is left is closed. Then the event loops stop.
     */
    @Override
    public void close() {
        for (Channel listener : listeners) {
            listener.close().awaitUninterruptibly();
        }
        ChannelGroupFuture closed = clients.newCloseFuture();
        for (Channel client : clients) {
            client.eventLoop().execute(() -> client.pipeline().fireUserEventTriggered(Drain.INSTANCE));
        }
        if (!closed.awaitUninterruptibly(drainTimeout.toMillis())) {
            log.warn("{} client connection(s) still busy after {}; closing them", clients.size(), drainTimeout);
            clients.close().awaitUninterruptibly();
        }
        workers.shutdownGracefully(0, 5, TimeUnit.SECONDS);
        workers.terminationFuture().awaitUninterruptibly();
    }
}
