package io.canarybalancer.balancer.proxy.pool;

import io.canarybalancer.balancer.route.BackendTls;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

import javax.net.ssl.SSLException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * HTTP/2 connections to the replicas of {@code h2c} and {@code h2} routes, for one event loop:
 * requests become streams, multiplexed over at most {@link #MAX_CONNECTIONS_PER_REPLICA}
 * connections per replica. A connection takes new streams while it has fewer open than the
 * backend's {@code SETTINGS_MAX_CONCURRENT_STREAMS} allows (and only once those settings arrived,
 * so a burst never exceeds a limit not yet known); when every connection is full and no more may
 * be opened, a stream waits for one to end.
 *
 * <p>Thread-confined like {@link BackendPool}: only its loop touches it, and every stream it
 * hands out belongs to that loop.
 *
 * <p>A connection the backend sends {@code GOAWAY} on takes no new streams and closes when its
 * last one ends; one without streams for {@code idleTimeout} is closed.
 */
public final class Http2Backends {
    /** Connections per replica (and event loop): enough to spread a busy replica's streams, few enough to stay cheap. */
    static final int MAX_CONNECTIONS_PER_REPLICA = 4;
    /** Streams waiting for room per replica: beyond that a stream is refused rather than queued without bound. */
    static final int MAX_WAITING_PER_REPLICA = 1024;
    /** The connection-level receive window: streams of one connection do not starve each other at 64 KiB. */
    private static final int CONNECTION_WINDOW = 1024 * 1024;
    /** Flushes merged into one at most, so that a long burst still goes out in pieces. */
    private static final int FLUSHES_MERGED = 256;

    private final Bootstrap bootstrap;
    private final BackendTlsContexts tlsContexts;
    /** Bounds the TCP connect, the TLS handshake, and the wait for the backend's SETTINGS alike. */
    private final long connectTimeoutMs;
    private final long idleNanos;
    private final Map<Key, Replica> replicas = new HashMap<>();

    private record Key(InetSocketAddress address, BackendTls tls) {
    }

    Http2Backends(EventLoop loop, Class<? extends Channel> channelType, Duration connectTimeout, Duration idleTimeout,
                  BackendTlsContexts tlsContexts) {
        this.tlsContexts = tlsContexts;
        this.connectTimeoutMs = connectTimeout.toMillis();
        this.idleNanos = idleTimeout.toNanos();
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(channelType)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .option(ChannelOption.TCP_NODELAY, true);
    }

    /**
     * Opens a stream to {@code address} (over TLS with {@code tls}, else in clear text) whose pipeline
     * is {@code handler}, with {@code AUTO_READ} off: the caller reads the answer as fast as its
     * client takes it. The future fails when no connection can be made, or the replica has too many
     * streams waiting already. Cancel it to give up waiting.
     */
    public Future<Http2StreamChannel> open(InetSocketAddress address, BackendTls tls, ChannelHandler handler) {
        Promise<Http2StreamChannel> promise = bootstrap.config().group().next().newPromise();
        Replica replica = replicas.computeIfAbsent(new Key(address, tls), Replica::new);
        replica.request(new Waiter(handler, promise));
        return promise;
    }

    /** Every connection to the replica is full, none more may be opened, and too many streams wait already. */
    public static final class Saturated extends Exception {
        Saturated() {
            super("the replica's HTTP/2 connections are full and " + MAX_WAITING_PER_REPLICA
                    + " streams wait for them already", null, false, false);
        }
    }

    private record Waiter(ChannelHandler handler, Promise<Http2StreamChannel> promise) {
    }

    /** The connections and waiting streams of one replica. */
    private final class Replica {
        private final Key key;
        private final List<Connection> connections = new ArrayList<>(MAX_CONNECTIONS_PER_REPLICA);
        private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();

        Replica(Key key) {
            this.key = key;
        }

        void request(Waiter waiter) {
            for (Connection connection : connections) {
                if (connection.hasRoom()) {
                    connection.open(waiter);
                    return;
                }
            }
            if (waiting.size() >= MAX_WAITING_PER_REPLICA) {
                waiting.removeIf(waiting -> waiting.promise.isDone()); // those who gave up
            }
            if (waiting.size() >= MAX_WAITING_PER_REPLICA) {
                waiter.promise.tryFailure(new Saturated());
                return;
            }
            waiting.add(waiter);
            connectIfWaiting();
        }

        /** Opens one more connection when streams wait, none is being opened, and the bound allows. */
        private void connectIfWaiting() {
            boolean connecting = connections.stream().anyMatch(connection -> !connection.ready);
            if (!waiting.isEmpty() && !connecting && connections.size() < MAX_CONNECTIONS_PER_REPLICA) {
                Connection connection = new Connection(this);
                connections.add(connection);
                connection.start();
            }
        }

        /** A connection got room (it became ready, or a stream ended): waiting streams take it. */
        void roomMade(Connection connection) {
            while (!waiting.isEmpty() && connection.hasRoom()) {
                Waiter waiter = waiting.poll();
                if (!waiter.promise.isDone()) {
                    connection.open(waiter);
                }
            }
            connectIfWaiting(); // a burst bigger than this connection takes: another one may
        }

        void closed(Connection connection, Throwable cause) {
            connections.remove(connection);
            if (waiting.isEmpty()) {
                if (connections.isEmpty()) {
                    replicas.remove(key);
                }
                return;
            }
            if (!connection.ready) {
                // It never carried a stream: whoever waits for this replica learns it is unreachable.
                Throwable reason = cause != null ? cause : new IllegalStateException("backend closed the connection");
                Waiter waiter;
                while ((waiter = waiting.poll()) != null) {
                    waiter.promise.tryFailure(reason);
                }
            } else {
                connectIfWaiting();
            }
        }
    }

    /** One HTTP/2 connection to a replica. */
    private final class Connection extends ChannelInboundHandlerAdapter {
        private final Replica replica;
        private Channel channel;
        private Http2FrameCodec codec;
        /** The connection preface and the backend's settings went both ways: streams may be opened. */
        private boolean ready;
        private boolean goingAway;
        /** Streams opened and not yet closed, including those whose first frame is not sent yet. */
        private int streams;
        private long idleSince;
        private ScheduledFuture<?> idleCheck;

        Connection(Replica replica) {
            this.replica = replica;
        }

        void start() {
            BackendTls tls = replica.key.tls();
            InetSocketAddress address = replica.key.address();
            channel = bootstrap.clone().handler(new ChannelInitializer<>() {
                @Override
                protected void initChannel(Channel ch) {
                    if (tls != null) {
                        String peerHost = tls.serverName() != null ? tls.serverName() : address.getHostString();
                        ch.pipeline().addLast(new TlsPeer(tlsContexts.get(tls, true), peerHost, address.getPort(),
                                connectTimeoutMs).newHandler(ch.alloc()));
                    }
                    codec = Http2FrameCodecBuilder.forClient()
                            .initialSettings(Http2Settings.defaultSettings().pushEnabled(false))
                            .build();
                    // Many streams' requests, one write: their flushes merge within an event-loop turn.
                    ch.pipeline().addLast(new FlushConsolidationHandler(FLUSHES_MERGED, true), codec,
                            new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()), Connection.this);
                }
            }).connect(address).addListener(connected -> {
                if (!connected.isSuccess()) {
                    replica.closed(this, connected.cause());
                }
            }).channel();
            channel.closeFuture().addListener(closed -> {
                cancelIdleCheck();
                replica.closed(this, null);
            });
            // Connected is not ready: a backend that accepts but never sends its SETTINGS (frozen,
            // or not speaking HTTP/2) fails the streams waiting for it within the connect timeout.
            channel.eventLoop().schedule(() -> {
                if (!ready && channel.isActive()) {
                    replica.closed(this, new ConnectTimeoutException("the backend did not start HTTP/2 (no SETTINGS)"
                            + " within " + connectTimeoutMs + " ms"));
                    channel.close();
                }
            }, connectTimeoutMs, TimeUnit.MILLISECONDS);
        }

        boolean hasRoom() {
            return ready && !goingAway && channel.isActive()
                    && streams < codec.connection().local().maxActiveStreams();
        }

        void open(Waiter waiter) {
            streams++;
            new Http2StreamChannelBootstrap(channel)
                    .option(ChannelOption.AUTO_READ, false)
                    .handler(waiter.handler)
                    .open()
                    .addListener(opened -> {
                        if (!opened.isSuccess()) {
                            streamEnded();
                            waiter.promise.tryFailure(opened.cause());
                            return;
                        }
                        Http2StreamChannel stream = (Http2StreamChannel) opened.getNow();
                        stream.closeFuture().addListener(closed -> streamEnded());
                        if (!waiter.promise.trySuccess(stream)) {
                            stream.close(); // the exchange gave up waiting
                        }
                    });
        }

        private void streamEnded() {
            streams--;
            if (goingAway && streams == 0) {
                channel.close();
                return;
            }
            replica.roomMade(this);
            if (streams == 0) {
                idleSince = System.nanoTime();
                if (idleCheck == null && channel.isActive()) {
                    idleCheck = channel.eventLoop().schedule(this::checkIdle, idleNanos, TimeUnit.NANOSECONDS);
                }
            }
        }

        private void checkIdle() {
            idleCheck = null;
            if (streams > 0 || !channel.isActive()) {
                return;
            }
            long left = idleSince + idleNanos - System.nanoTime();
            if (left <= 0) {
                channel.close();
            } else {
                idleCheck = channel.eventLoop().schedule(this::checkIdle, left, TimeUnit.NANOSECONDS);
            }
        }

        private void cancelIdleCheck() {
            if (idleCheck != null) {
                idleCheck.cancel(false);
                idleCheck = null;
            }
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            // Room for several streams' worth of answers at once; each stream still has its own window.
            codec.connection().local().flowController()
                    .incrementWindowSize(codec.connection().connectionStream(), CONNECTION_WINDOW - 65_535);
            super.channelActive(ctx);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof Http2SettingsFrame && !ready) {
                    if (!agreedOnHttp2()) {
                        ctx.close();
                        return;
                    }
                    ready = true;
                    replica.roomMade(this);
                } else if (msg instanceof Http2GoAwayFrame) {
                    goingAway = true; // streams above its last ID are failed by the codec
                    if (streams == 0) {
                        ctx.close();
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        /** Over TLS, the backend must have chosen {@code h2} by ALPN: a backend that speaks HTTP/1.1 only fails here. */
        private boolean agreedOnHttp2() {
            SslHandler tls = channel.pipeline().get(SslHandler.class);
            if (tls == null || ApplicationProtocolNames.HTTP_2.equals(tls.applicationProtocol())) {
                return true;
            }
            replica.closed(this, new SSLException("the backend did not choose h2 by ALPN (it chose "
                    + tls.applicationProtocol() + ")"));
            return false;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
