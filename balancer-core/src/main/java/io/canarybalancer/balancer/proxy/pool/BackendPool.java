package io.canarybalancer.balancer.proxy.pool;

import io.canarybalancer.balancer.route.BackendTls;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Keep-alive connections to every replica, for one event loop. Thread-confined: only its loop
 * touches it, so the maps need no locks, and a connection is always used on the loop of the client
 * connection that needs it.
 *
 * <p>Idle connections are kept most-recently-used first, so a quiet period lets the surplus age out
 * through the idle timeout. An idle connection keeps a read pending, so a backend that closes it is
 * noticed at once and the connection leaves the pool.
 *
 * <p>Plain and TLS connections are kept apart, and TLS ones by their setting: two routes may send
 * to the same address, one in plain HTTP and one over TLS (or trusting different CAs), and a
 * connection made for one must never carry the other's requests.
 *
 * <p>Each connection is counted in {@link ConnectionCounts}, shared by the pools of every loop: in
 * use from the moment it is handed out ({@link #pollIdle}, {@link #connect}) until it is taken back
 * idle ({@link #release}) or closes. With a cap, a caller {@linkplain #reserve reserves} the place
 * first; the connection it then gets holds that place.
 */
public final class BackendPool implements BackendConnector {
    private static final AttributeKey<InetSocketAddress> REPLICA = AttributeKey.valueOf("canary.replica");
    /** The TLS setting a connection was made with; absent for plain connections. */
    private static final AttributeKey<BackendTls> TLS = AttributeKey.valueOf("canary.backendTls");

    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final BackendTlsContexts tlsContexts;
    private final long handshakeTimeoutMs;
    private final int maxIdlePerReplica;
    private final IdleConnections plainIdle;
    private final Map<BackendTls, IdleConnections> tlsIdle = new HashMap<>();
    private final Http2Backends http2;
    private final ConnectionCounts counts;
    /** The place {@link #reserve} took, until the next connection handed out holds it. */
    private ConnectionCounts.Replica reserved;
    private InetSocketAddress reservedFor;

    /**
     * @param initializer  builds a connection's pipeline; for a TLS connection it must put the handler
     *                     of the channel's {@link TlsPeer#KEY} attribute first
     * @param tlsContexts  the client TLS contexts, shared by the pools of every loop
     * @param counts       the connections to each replica, shared by the pools of every loop
     */
    public BackendPool(EventLoop loop, Class<? extends Channel> channelType, ChannelHandler initializer,
                       Duration connectTimeout, Duration idleTimeout, int maxIdlePerReplica,
                       BackendTlsContexts tlsContexts, ConnectionCounts counts) {
        this.loop = loop;
        this.counts = counts;
        this.http2 = new Http2Backends(loop, channelType, connectTimeout, idleTimeout, tlsContexts);
        this.maxIdlePerReplica = maxIdlePerReplica;
        this.tlsContexts = tlsContexts;
        // The handshake gets as long as the TCP connect: both are "can this replica take a request".
        this.handshakeTimeoutMs = connectTimeout.toMillis();
        this.plainIdle = new IdleConnections(maxIdlePerReplica);
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(channelType)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .handler(initializer);
    }

    @Override
    public Http2Backends http2() {
        return http2;
    }

    @Override
    public boolean reserve(InetSocketAddress address) {
        if (counts.cap() == 0) {
            return true; // nothing to reserve: the connection handed out takes its place then
        }
        unreserve(); // a place reserved and never used (no caller does that) goes back first
        reserved = counts.reserve(address);
        reservedFor = address;
        return reserved != null;
    }

    @Override
    public Channel pollIdle(InetSocketAddress address, BackendTls tls) {
        IdleConnections idle = tls == null ? plainIdle : tlsIdle.get(tls);
        Channel channel = idle == null ? null : idle.poll(address);
        if (channel != null) {
            PooledConnection connection = channel.attr(PooledConnection.KEY).get();
            connection.replica.reused.increment();
            connection.take(takeReserved(connection.replica));
        }
        return channel;
    }

    /**
     * Closes a connection of this pool for the balancer's own reasons (idle too long, unsolicited
     * bytes), so that it does not count as closed by the backend.
     */
    public static void retire(Channel channel) {
        PooledConnection connection = channel.attr(PooledConnection.KEY).get();
        if (connection != null) {
            connection.closedByBalancer = true;
        }
        channel.close();
    }

    @Override
    public ChannelFuture connect(InetSocketAddress address, BackendTls tls) {
        if (tls == null) {
            return track(bootstrap.connect(address), address, null);
        }
        String peerHost = tls.serverName() != null ? tls.serverName() : address.getHostString();
        TlsPeer peer = new TlsPeer(tlsContexts.get(tls), peerHost, address.getPort(), handshakeTimeoutMs);
        // The attribute must be in place when the initializer runs, which is inside connect().
        ChannelFuture connected = track(bootstrap.clone().attr(TlsPeer.KEY, peer).connect(address), address, tls);
        if (connected.isDone() && !connected.isSuccess()) {
            return connected; // no socket: no handshake to wait for
        }
        Channel channel = connected.channel();
        ChannelPromise ready = channel.newPromise();
        connected.addListener(tcp -> {
            if (!tcp.isSuccess()) {
                ready.tryFailure(tcp.cause());
                return;
            }
            channel.pipeline().get(SslHandler.class).handshakeFuture().addListener(handshake -> {
                if (handshake.isSuccess()) {
                    ready.trySuccess();
                } else {
                    ready.tryFailure(handshake.cause());
                    channel.close();
                }
            });
        });
        return ready;
    }

    private ChannelFuture track(ChannelFuture connecting, InetSocketAddress address, BackendTls tls) {
        Channel channel = connecting.channel();
        if (connecting.isDone() && !connecting.isSuccess() && !channel.isRegistered()) {
            // The socket could not be made (no file descriptor left) or registered: no close will
            // ever follow to give a place back, so none is taken. Reported on this loop, as a
            // refused connect is, not on the global executor Netty fails such a connect on.
            unreserve();
            return new DefaultChannelPromise(channel, loop).setFailure(connecting.cause());
        }
        channel.attr(REPLICA).set(address);
        channel.attr(TLS).set(tls);
        ConnectionCounts.Replica replica = reserved != null && address.equals(reservedFor) ? reserved
                : counts.replica(address);
        PooledConnection connection = new PooledConnection(replica);
        connection.take(takeReserved(replica));
        replica.opened.increment();
        replica.open.incrementAndGet();
        channel.attr(PooledConnection.KEY).set(connection);
        channel.closeFuture().addListener(closed -> forget(channel));
        return connecting;
    }

    /** The place {@link #reserve} took for a connection to {@code replica}, or {@code null}. */
    private ConnectionCounts.Replica takeReserved(ConnectionCounts.Replica replica) {
        ConnectionCounts.Replica place = reserved;
        reserved = null;
        if (place != null && place != replica) {
            // Reserved for another replica (or counters since forgotten and made anew): not this one's.
            place.give();
            return null;
        }
        return place;
    }

    private void unreserve() {
        if (reserved != null) {
            reserved.give();
            reserved = null;
        }
    }

    @Override
    public void release(Channel channel) {
        InetSocketAddress address = channel.attr(REPLICA).get();
        if (address == null || !channel.isActive()) {
            channel.close();
            return;
        }
        BackendTls tls = channel.attr(TLS).get();
        IdleConnections idle = tls == null ? plainIdle
                : tlsIdle.computeIfAbsent(tls, key -> new IdleConnections(maxIdlePerReplica));
        if (!idle.offer(address, channel)) {
            channel.close();
            return;
        }
        channel.attr(PooledConnection.KEY).get().give(); // idle: no longer in use, not yet closed
        // A pending read lets us see the backend closing the idle connection (see class comment).
        channel.read();
    }

    private void forget(Channel channel) {
        InetSocketAddress address = channel.attr(REPLICA).get();
        BackendTls tls = channel.attr(TLS).get();
        IdleConnections idle = tls == null ? plainIdle : tlsIdle.get(tls);
        if (idle != null) {
            idle.remove(address, channel);
        }
        PooledConnection connection = channel.attr(PooledConnection.KEY).get();
        connection.replica.open.decrementAndGet();
        if (!connection.give() && !connection.closedByBalancer) {
            connection.replica.closedByBackend.increment(); // it closed while idle, and not by us
        }
    }
}
