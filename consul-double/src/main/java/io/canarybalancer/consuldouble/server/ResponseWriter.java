package io.canarybalancer.consuldouble.server;

import io.canarybalancer.consuldouble.http.Reply;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

import java.util.Date;
import java.util.concurrent.TimeUnit;

/** Puts a {@link Reply} on the wire, whole or deliberately broken. Call on the channel's event loop. */
final class ResponseWriter {

    /** Gives the client time to read the partial answer before the RST arrives and discards it. */
    private static final long RESET_DELAY_MILLIS = 20;

    private ResponseWriter() {
    }

    static void write(Channel channel, Reply reply, boolean keepAlive) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(reply.status()), Unpooled.wrappedBuffer(reply.body()));
        copyHeaders(reply, response.headers());
        HttpUtil.setContentLength(response, reply.body().length);
        HttpUtil.setKeepAlive(response, keepAlive);
        var future = channel.writeAndFlush(response);
        if (!keepAlive) {
            future.addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Status line, headers (announcing the full length) and half the body, then a TCP reset. */
    static void resetMidResponse(Channel channel, Reply reply) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(reply.status()));
        copyHeaders(reply, head.headers());
        HttpUtil.setContentLength(head, reply.body().length);
        byte[] body = reply.body();
        channel.write(head);
        channel.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(body, 0, body.length / 2)))
                .addListener(f -> channel.eventLoop().schedule(() -> reset(channel), RESET_DELAY_MILLIS, TimeUnit.MILLISECONDS));
    }

    /** Closes with SO_LINGER 0, which makes the kernel send RST instead of FIN. */
    static void reset(Channel channel) {
        if (channel.isOpen()) {
            channel.config().setOption(ChannelOption.SO_LINGER, 0);
            channel.close();
        }
    }

    private static void copyHeaders(Reply reply, HttpHeaders headers) {
        reply.headers().forEach(headers::set);
        headers.set(HttpHeaderNames.DATE, DateFormatter.format(new Date()));
    }
}
