package io.canarybalancer.balancer.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;

/**
 * The pipeline of a client connection: one {@link FrontendHandler}, which reads the bytes itself
 * and keeps its own timeouts, or, over the connection limit, {@link TooManyConnections}.
 */
@ChannelHandler.Sharable
final class FrontendInitializer extends ChannelInitializer<Channel> {
    static final String HANDLER = "frontend";

    private final ProxyContext context;
    private final ProxySettings settings;
    private final ChannelGroup clients;

    FrontendInitializer(ProxyContext context, ChannelGroup clients) {
        this.context = context;
        this.settings = context.settings();
        this.clients = clients;
    }

    @Override
    protected void initChannel(Channel channel) {
        if (clients.size() >= settings.maxConnections()) {
            channel.pipeline().addLast(TooManyConnections.INSTANCE);
            return;
        }
        clients.add(channel); // a group drops a channel by itself when it closes
        channel.pipeline().addLast(HANDLER, new FrontendHandler(context));
    }
}
