package io.canarybalancer.balancer.proxy.pool;

import io.canarybalancer.balancer.route.Upstream;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** One {@link BackendPool} per event loop of a group, created up front. */
public final class BackendPools {
    private final Map<EventExecutor, BackendPool> byLoop = new ConcurrentHashMap<>();
    private final Class<? extends Channel> channelType;
    private final ChannelHandler initializer;
    private final Duration connectTimeout;
    private final Duration idleTimeout;
    private final int maxIdlePerReplica;
    private final BackendTlsContexts tlsContexts = new BackendTlsContexts();
    private final ConnectionCounts counts;

    /** @param counts the connections to each replica, counted (and capped) over every loop's pool */
    public BackendPools(EventLoopGroup group, Class<? extends Channel> channelType, ChannelHandler initializer,
                        Duration connectTimeout, Duration idleTimeout, int maxIdlePerReplica,
                        ConnectionCounts counts) {
        this.counts = counts;
        this.channelType = channelType;
        this.initializer = initializer;
        this.connectTimeout = connectTimeout;
        this.idleTimeout = idleTimeout;
        this.maxIdlePerReplica = maxIdlePerReplica;
        for (EventExecutor executor : group) {
            if (executor instanceof EventLoop loop) {
                byLoop.put(loop, create(loop));
            }
        }
    }

    /**
     * Builds the TLS context of each backend setting now, on the calling thread, so that no event
     * loop reads a trust store or makes a native context on a request's path.
     */
    public void prepare(Collection<Upstream> settings) {
        settings.forEach(upstream -> tlsContexts.get(upstream.tls(), upstream.protocol().http2()));
    }

    /** The pool of {@code loop}; call it from that loop. */
    public BackendPool forLoop(EventLoop loop) {
        BackendPool pool = byLoop.get(loop);
        // Only reached if a channel reports a loop object the group did not list; each loop only
        // ever creates its own entry, so this never waits on another thread.
        return pool != null ? pool : byLoop.computeIfAbsent(loop, key -> create(loop));
    }

    private BackendPool create(EventLoop loop) {
        return new BackendPool(loop, channelType, initializer, connectTimeout, idleTimeout, maxIdlePerReplica,
                tlsContexts, counts);
    }
}
