package io.canarybalancer.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamFrame;

/**
 * The HTTP/2 side of {@link FastBackend}: behind Netty's {@code Http2FrameCodec}, answers each
 * stream, once its request has ended, with the same body as over HTTP/1.1. Answers are flushed
 * once per read batch, so the streams of one batch leave together.
 */
final class Http2Answer extends SimpleChannelInboundHandler<Http2StreamFrame> {
    private final ByteBuf body;
    private final Http2Headers head;

    Http2Answer(ByteBuf body) {
        this.body = body;
        this.head = new DefaultHttp2Headers()
                .status("200")
                .set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Http2StreamFrame frame) {
        if (frame instanceof Http2HeadersFrame headers && headers.isEndStream()) {
            answer(ctx, headers.stream());
        } else if (frame instanceof Http2DataFrame data) {
            // A request body is read and dropped; the window it took is given back.
            if (data.initialFlowControlledBytes() > 0) {
                ctx.write(new DefaultHttp2WindowUpdateFrame(data.initialFlowControlledBytes()).stream(data.stream()));
            }
            if (data.isEndStream()) {
                answer(ctx, data.stream());
            }
        }
    }

    private void answer(ChannelHandlerContext ctx, Http2FrameStream stream) {
        ctx.write(new DefaultHttp2HeadersFrame(head, false).stream(stream));
        ctx.write(new DefaultHttp2DataFrame(body.duplicate(), true).stream(stream));
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
        ctx.fireChannelReadComplete();
    }
}
