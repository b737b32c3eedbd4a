package io.canarybalancer.balancer.proxy.pool;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.AttributeKey;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
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
 */
public final class BackendPool implements BackendConnector {
    private static final AttributeKey<InetSocketAddress> REPLICA = AttributeKey.valueOf("canary.replica");

    private final Bootstrap bootstrap;
    private final int maxIdlePerReplica;
    private final Map<InetSocketAddress, ArrayDeque<Channel>> idle = new HashMap<>();

    public BackendPool(EventLoop loop, Class<? extends Channel> channelType, ChannelHandler initializer,
                       Duration connectTimeout, int maxIdlePerReplica) {
        this.maxIdlePerReplica = maxIdlePerReplica;
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
    public Channel pollIdle(InetSocketAddress address) {
        ArrayDeque<Channel> channels = idle.get(address);
        if (channels == null) {
            return null;
        }
        Channel channel;
        while ((channel = channels.pollFirst()) != null) {
            if (channel.isActive()) {
                return channel;
            }
        }
        return null;
    }

    @Override
    public ChannelFuture connect(InetSocketAddress address) {
        ChannelFuture future = bootstrap.connect(address);
        Channel channel = future.channel();
        channel.attr(REPLICA).set(address);
        channel.closeFuture().addListener(closed -> forget(channel));
        return future;
    }

    @Override
    public void release(Channel channel) {
        InetSocketAddress address = channel.attr(REPLICA).get();
        if (address == null || !channel.isActive()) {
            channel.close();
            return;
        }
        ArrayDeque<Channel> channels = idle.computeIfAbsent(address, key -> new ArrayDeque<>());
        if (channels.size() >= maxIdlePerReplica) {
            channel.close();
            return;
        }
        channels.addFirst(channel);
        // A pending read lets us see the backend closing the idle connection (see class comment).
        channel.read();
    }

    private void forget(Channel channel) {
        InetSocketAddress address = channel.attr(REPLICA).get();
        ArrayDeque<Channel> channels = idle.get(address);
        if (channels != null) {
            channels.remove(channel);
            if (channels.isEmpty()) {
                idle.remove(address);
            }
        }
    }
}
