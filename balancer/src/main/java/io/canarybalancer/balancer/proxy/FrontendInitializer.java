package io.canarybalancer.balancer.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.timeout.IdleStateHandler;

import java.util.concurrent.TimeUnit;

/**
 * The pipeline of a client connection: idle timer, strict HTTP codec ({@link StrictServerCodec}),
 * {@link RequestBodyGuard}, {@link FrontendHandler}. The idle timer watches reads only: a
 * connection that sends nothing for the idle timeout while no exchange runs is closed. (Watching
 * writes too would wrap every write's promise in a listener.)
 */
@ChannelHandler.Sharable
final class FrontendInitializer extends ChannelInitializer<Channel> {
    static final String IDLE = "idle";
    static final String CODEC = "codec";
    static final String GUARD = "body-guard";
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
        channel.pipeline()
                .addLast(IDLE, new IdleStateHandler(settings.clientIdleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS))
                .addLast(CODEC, new StrictServerCodec(new HttpDecoderConfig()
                        .setMaxInitialLineLength(settings.maxInitialLineLength())
                        .setMaxHeaderSize(settings.maxHeaderSize()), settings.maxHeaderCount()))
                .addLast(GUARD, new RequestBodyGuard())
                .addLast(HANDLER, new FrontendHandler(context));
    }
}
