package io.canarybalancer.balancer.proxy;

import io.canarybalancer.balancer.tls.TlsTerminator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;

/**
 * The pipeline of a client connection: one {@link FrontendHandler}, which reads the bytes itself
 * and keeps its own timeouts, behind the TLS handlers on a TLS listener; or, over the connection
 * limit, {@link TooManyConnections} (on a TLS listener, a plain close: a 503 in clear text would
 * mean nothing to a TLS client).
 */
@ChannelHandler.Sharable
final class FrontendInitializer extends ChannelInitializer<Channel> {
    static final String HANDLER = "frontend";

    private final ProxyContext context;
    private final ProxySettings settings;
    private final ChannelGroup clients;
    /** TLS for this listener's connections, or {@code null} for plain HTTP. */
    private final TlsTerminator tls;

    FrontendInitializer(ProxyContext context, ChannelGroup clients, TlsTerminator tls) {
        this.context = context;
        this.settings = context.settings();
        this.clients = clients;
        this.tls = tls;
    }

    @Override
    protected void initChannel(Channel channel) {
        if (clients.size() >= settings.maxConnections()) {
            if (tls == null) {
                channel.pipeline().addLast(TooManyConnections.INSTANCE);
            } else {
                channel.close();
            }
            return;
        }
        clients.add(channel); // a group drops a channel by itself when it closes
        if (tls != null) {
            tls.addTo(channel.pipeline());
        }
        channel.pipeline().addLast(HANDLER, new FrontendHandler(context, tls != null));
    }
}
