package io.canarybalancer.balancer.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;

/** The pipeline of a backend connection: one {@link BackendHandler}, which reads the responses in place. */
@ChannelHandler.Sharable
final class BackendInitializer extends ChannelInitializer<Channel> {
    static final String HANDLER = "backend";

    private final ProxySettings settings;

    BackendInitializer(ProxySettings settings) {
        this.settings = settings;
    }

    @Override
    protected void initChannel(Channel channel) {
        channel.pipeline().addLast(HANDLER, new BackendHandler(settings));
    }
}
