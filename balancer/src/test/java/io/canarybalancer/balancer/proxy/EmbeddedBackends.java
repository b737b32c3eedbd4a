package io.canarybalancer.balancer.proxy;

import io.canarybalancer.balancer.proxy.pool.BackendConnector;
import io.canarybalancer.balancer.proxy.pool.Http2Backends;
import io.canarybalancer.balancer.route.BackendTls;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A {@link BackendConnector} whose connections are {@link EmbeddedChannel}s ending in a
 * {@link BackendHandler}: tests read what the balancer sent and write the backend's answer as
 * decoded HTTP objects. It can also refuse connections.
 */
final class EmbeddedBackends implements BackendConnector {
    final List<EmbeddedChannel> opened = new ArrayList<>();
    final ArrayDeque<Channel> idle = new ArrayDeque<>();
    final List<Channel> released = new ArrayList<>();
    Throwable refuseWith;
    /** The replica address of each connection asked for, in order. */
    final List<InetSocketAddress> addresses = new ArrayList<>();
    /** Replicas whose places under a connection cap are all taken: {@link #reserve} refuses them. */
    final Set<InetSocketAddress> full = new HashSet<>();
    /** The TLS setting of each connection asked for, {@code null} for plain ones, in order. */
    final List<BackendTls> tlsAsked = new ArrayList<>();

    @Override
    public Channel pollIdle(InetSocketAddress address, BackendTls tls) {
        idle.removeIf(channel -> !channel.isActive());
        for (Channel channel : idle) {
            // As the real pool: a connection serves only requests of its own TLS setting.
            if (Objects.equals(tlsAsked.get(opened.indexOf(channel)), tls)) {
                idle.remove(channel);
                return channel;
            }
        }
        return null;
    }

    @Override
    public boolean reserve(InetSocketAddress address) {
        return !full.contains(address);
    }

    @Override
    public ChannelFuture connect(InetSocketAddress address, BackendTls tls) {
        EmbeddedChannel channel = new EmbeddedChannel(new BackendHandler(ProxySettings.defaults()));
        opened.add(channel);
        addresses.add(address);
        tlsAsked.add(tls);
        if (refuseWith != null) {
            channel.close();
            return channel.newFailedFuture(refuseWith);
        }
        return channel.newSucceededFuture();
    }

    @Override
    public void release(Channel channel) {
        released.add(channel);
        idle.add(channel);
    }

    /** HTTP/1.1 backends only: the embedded channels have no HTTP/2 side. */
    @Override
    public Http2Backends http2() {
        throw new UnsupportedOperationException("embedded backends speak HTTP/1.1 only");
    }

    EmbeddedChannel last() {
        return opened.get(opened.size() - 1);
    }

    void finishAll() {
        opened.forEach(EmbeddedChannel::finishAndReleaseAll);
    }
}
