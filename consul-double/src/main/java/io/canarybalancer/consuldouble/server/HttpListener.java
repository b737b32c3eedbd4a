package io.canarybalancer.consuldouble.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The listening socket on 127.0.0.1 and the connections it accepted. It can be stopped and re-bound on
 * the same port, which is how a test gets "connection refused" and then a recovered agent.
 */
public final class HttpListener {

    /** Above Consul's 512 KB KV limit so the endpoint, not the aggregator, answers oversize values. */
    private static final int MAX_REQUEST_BYTES = 8 * 1024 * 1024;

    private final EventLoopGroup group;
    private final Supplier<ChannelHandler> handlerFactory;
    private final Set<Channel> connections = ConcurrentHashMap.newKeySet();
    /** False from the moment {@link #unbind()} starts: a connection set up after that closes itself. */
    private volatile boolean accepting;
    private Channel server;
    private int port;

    public HttpListener(EventLoopGroup group, Supplier<ChannelHandler> handlerFactory) {
        this.group = group;
        this.handlerFactory = handlerFactory;
    }

    static InetAddress loopback() {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Binds to {@code requestedPort} (0 = ephemeral); SO_REUSEADDR lets a restart reuse the old port. */
    public synchronized void bind(int requestedPort) {
        if (server != null) {
            throw new IllegalStateException("already listening on port " + port);
        }
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.add(ch);
                        ch.closeFuture().addListener(f -> connections.remove(ch));
                        // Accepted just before unbind() but set up after it went through the set.
                        if (!accepting) {
                            ch.close();
                            return;
                        }
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_REQUEST_BYTES),
                                handlerFactory.get());
                    }
                });
        accepting = true;
        server = bootstrap.bind(new InetSocketAddress(loopback(), requestedPort)).syncUninterruptibly().channel();
        port = ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Closes the listening socket and every open connection, as an agent crash would. */
    public synchronized void unbind() {
        accepting = false;
        if (server != null) {
            server.close().syncUninterruptibly();
            server = null;
        }
        for (Channel connection : connections) {
            connection.close();
        }
        for (Channel connection : connections) {
            connection.closeFuture().awaitUninterruptibly(2_000);
        }
    }

    public synchronized boolean isBound() {
        return server != null;
    }

    public synchronized int port() {
        return port;
    }
}
