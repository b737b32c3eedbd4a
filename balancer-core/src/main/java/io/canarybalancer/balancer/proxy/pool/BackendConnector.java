package io.canarybalancer.balancer.proxy.pool;

import io.canarybalancer.balancer.route.BackendTls;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;

import java.net.InetSocketAddress;

/**
 * Hands out connections to backends for one event loop. Every method is called on that loop only,
 * and every channel it returns is registered on it, so callers never cross threads.
 *
 * <p>A connection is to an address over plain HTTP ({@code tls} is {@code null}) or over TLS with
 * one setting: a connection is only ever handed out again for the same address and setting.
 */
public interface BackendConnector {

    /**
     * Takes a place for one more connection in use to {@code address} under the cap on connections
     * to one replica ({@code limits.backendConnections}); {@code false} when the replica has its
     * cap in use. The next connection {@link #pollIdle} or {@link #connect} hands out holds the
     * place, and gives it back when it is released or closes. Without a cap it is always {@code true}.
     */
    default boolean reserve(InetSocketAddress address) {
        return true;
    }

    /** An idle, open, pooled connection to {@code address} with this TLS setting, or {@code null}. */
    Channel pollIdle(InetSocketAddress address, BackendTls tls);

    /**
     * Opens a new connection to {@code address}, over TLS when {@code tls} is not {@code null}. The
     * future succeeds once the connection can carry a request (after the TLS handshake), and fails
     * with the cause when it cannot: a handshake failure is a failure to connect.
     */
    ChannelFuture connect(InetSocketAddress address, BackendTls tls);

    /** Takes back a connection whose last exchange finished cleanly; closes it if it cannot be kept. */
    void release(Channel channel);

    /** The HTTP/2 connections of this loop, for routes whose backends speak HTTP/2. */
    Http2Backends http2();
}
