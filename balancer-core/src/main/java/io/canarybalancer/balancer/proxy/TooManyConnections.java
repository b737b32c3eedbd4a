package io.canarybalancer.balancer.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.nio.charset.StandardCharsets;

/**
 * The whole pipeline of a connection over the limit: a plain 503 saying why, then close. Written
 * as bytes, before any request is read, so a flood of connections costs no decoding.
 */
@ChannelHandler.Sharable
final class TooManyConnections extends ChannelInboundHandlerAdapter {
    static final TooManyConnections INSTANCE = new TooManyConnections();
    private static final byte[] BODY = "{\"error\":\"too many client connections\"}".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RESPONSE = ("HTTP/1.1 503 Service Unavailable\r\n"
            + "content-type: application/json\r\ncontent-length: " + BODY.length + "\r\nconnection: close\r\n\r\n"
            + new String(BODY, StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII);

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(Unpooled.wrappedBuffer(RESPONSE)).addListener(ChannelFutureListener.CLOSE);
    }
}
