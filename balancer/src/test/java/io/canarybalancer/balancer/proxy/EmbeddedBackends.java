package io.canarybalancer.balancer.proxy;

import io.canarybalancer.balancer.proxy.pool.BackendConnector;
import io.canarybalancer.balancer.route.BackendTls;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

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

    @Override
    public Channel pollIdle(InetSocketAddress address, BackendTls tls) {
        Channel channel;
        while ((channel = idle.poll()) != null) {
            if (channel.isActive()) {
                return channel;
            }
        }
        return null;
    }

    @Override
    public ChannelFuture connect(InetSocketAddress address, BackendTls tls) {
        EmbeddedChannel channel = new EmbeddedChannel(new BackendHandler(ProxySettings.defaults()));
        opened.add(channel);
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

    EmbeddedChannel last() {
        return opened.get(opened.size() - 1);
    }

    void finishAll() {
        opened.forEach(EmbeddedChannel::finishAndReleaseAll);
    }
}
