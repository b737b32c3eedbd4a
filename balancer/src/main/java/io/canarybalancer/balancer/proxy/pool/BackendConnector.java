package io.canarybalancer.balancer.proxy.pool;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;

import java.net.InetSocketAddress;

/**
 * Hands out connections to backends for one event loop. Every method is called on that loop only,
 * and every channel it returns is registered on it, so callers never cross threads.
 */
public interface BackendConnector {

    /** An idle, open, pooled connection to {@code address}, or {@code null}. */
    Channel pollIdle(InetSocketAddress address);

    /** Opens a new connection to {@code address}. */
    ChannelFuture connect(InetSocketAddress address);

    /** Takes back a connection whose last exchange finished cleanly; closes it if it cannot be kept. */
    void release(Channel channel);
}
