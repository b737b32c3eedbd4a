package io.canarybalancer.balancer.tls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

import java.nio.charset.StandardCharsets;

/**
 * The first handler of a TLS connection: looks at the first byte the client sends. A TLS record
 * starts with its content type (20 to 24), an HTTP request with its method, in capitals; so a
 * capital letter is a plain-HTTP request sent to the TLS port by mistake, and gets a {@code 400}
 * saying so, then the connection closes (rather than the TLS handler failing to find a
 * ClientHello and closing without a word). Anything else goes on to TLS, and this handler leaves.
 */
@ChannelHandler.Sharable
public final class PlainHttpRejector extends ChannelInboundHandlerAdapter {
    static final PlainHttpRejector INSTANCE = new PlainHttpRejector();
    private static final byte[] BODY = "{\"error\":\"plain HTTP was sent to a TLS port; use https://\"}\n"
            .getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RESPONSE = ("HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\n"
            + "content-length: " + BODY.length + "\r\nconnection: close\r\n\r\n"
            + new String(BODY, StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII);

    private PlainHttpRejector() {
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf in && in.isReadable()) {
            byte first = in.getByte(in.readerIndex());
            if (first >= 'A' && first <= 'Z') {
                ReferenceCountUtil.release(msg);
                ctx.writeAndFlush(Unpooled.wrappedBuffer(RESPONSE)).addListener(ChannelFutureListener.CLOSE);
                return;
            }
        }
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(msg); // ownership passes on, to the TLS handler
    }
}
