package io.canarybalancer.balancer.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;

/** How the proxy ends a connection it holds: after what is queued for it is written, as Netty's proxy example does. */
final class Channels {
    private Channels() {
    }

    /**
     * Closes {@code channel} once everything written to it so far is flushed: an empty write goes
     * out behind the queued ones, and its completion closes the channel. A channel no longer active
     * is left alone: the proxy's channels are accepted or connected ones, so it is closed already.
     */
    static void closeOnFlush(Channel channel) {
        if (channel.isActive()) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
