package io.canarybalancer.balancer.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * The last handler of a backend connection: passes responses to the exchange that holds the
 * connection. A pooled connection belongs to no exchange; anything it receives then is unsolicited,
 * so the connection is closed rather than trusted for the next request.
 *
 * <p>Confined to the connection's event loop, which is also the loop of the client connection that
 * binds it, so {@code owner} needs no synchronisation.
 */
final class BackendHandler extends ChannelInboundHandlerAdapter {
    private BackendListener owner;

    void bind(BackendListener listener) {
        this.owner = listener;
    }

    void unbind() {
        this.owner = null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (owner != null) {
            owner.onBackendMessage(msg); // hand-off: the exchange owns msg now
        } else {
            ReferenceCountUtil.release(msg);
            ctx.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (owner != null) {
            owner.onBackendReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (owner != null) {
            owner.onBackendWritabilityChanged();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        BackendListener listener = owner;
        owner = null;
        if (listener != null) {
            listener.onBackendClosed(null);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        BackendListener listener = owner;
        owner = null;
        ctx.close();
        if (listener != null) {
            listener.onBackendClosed(cause);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            if (owner == null) {
                ctx.close(); // idle in the pool for too long
            }
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }
}
