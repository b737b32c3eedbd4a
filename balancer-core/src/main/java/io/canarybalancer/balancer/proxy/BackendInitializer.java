package io.canarybalancer.balancer.proxy;

import io.canarybalancer.balancer.proxy.pool.TlsPeer;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;

/**
 * The pipeline of a backend connection: one {@link BackendHandler}, which reads the responses in
 * place, behind a client {@code SslHandler} when the pool opened the connection for a TLS route.
 */
@ChannelHandler.Sharable
final class BackendInitializer extends ChannelInitializer<Channel> {
    static final String TLS = "tls";
    static final String HANDLER = "backend";

    private final ProxySettings settings;

    BackendInitializer(ProxySettings settings) {
        this.settings = settings;
    }

    @Override
    protected void initChannel(Channel channel) {
        TlsPeer tls = channel.attr(TlsPeer.KEY).get();
        if (tls != null) {
            channel.pipeline().addLast(TLS, tls.newHandler(channel.alloc()));
        }
        channel.pipeline().addLast(HANDLER, new BackendHandler(settings));
    }
}
