package io.canarybalancer.balancer.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The answer of an HTTP/2 replica to an HTTP/1.1 client's request, turned into HTTP/1.1 response
 * bytes for the {@link BackendHandler} behind it, which reads them as it reads any replica's: the
 * status line and fields; a body without {@code content-length} goes chunked, its trailers in the
 * last chunk (after a body of declared length they are dropped: HTTP/1.1 cannot carry them). So an HTTP/1.1 client's {@link Exchange} needs no second way of reading answers.
 *
 * <p>The handler sits first in the backend stream channel's pipeline. A reset stream is a closed
 * connection to the {@code BackendHandler}: the exchange fails or retries as for HTTP/1.1.
 */
final class Http2ResponseBytes extends ChannelInboundHandlerAdapter {
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LAST_CHUNK = {'0', '\r', '\n', '\r', '\n'};
    private static final AsciiString CONTENT_LENGTH = AsciiString.cached("content-length");

    private boolean headSent;
    private boolean chunked;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof Http2HeadersFrame frame) {
                if (!headSent) {
                    head(ctx, frame.headers(), frame.isEndStream());
                } else if (chunked) {
                    trailers(ctx, frame.headers());
                } // else dropped: after a body of declared length, HTTP/1.1 has no place for trailers
            } else if (msg instanceof Http2DataFrame data) {
                ByteBuf content = data.content();
                if (chunked && content.isReadable()) {
                    ctx.fireChannelRead(chunkSize(ctx, content.readableBytes()));
                    ctx.fireChannelRead(content.retain());
                    ctx.fireChannelRead(Unpooled.wrappedBuffer(CRLF));
                } else if (content.isReadable()) {
                    ctx.fireChannelRead(content.retain());
                }
                if (data.isEndStream() && chunked) {
                    ctx.fireChannelRead(Unpooled.wrappedBuffer(LAST_CHUNK));
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void head(ChannelHandlerContext ctx, Http2Headers headers, boolean endStream) {
        CharSequence status = headers.status();
        if (status == null || status.length() != 3) {
            ctx.fireChannelRead(Unpooled.copiedBuffer("HTTP/1.1 ???\r\n\r\n", StandardCharsets.US_ASCII));
            return; // read as an invalid answer: a 502
        }
        boolean interim = status.charAt(0) == '1';
        ByteBuf out = ctx.alloc().buffer(256);
        ByteBufUtil.writeAscii(out, "HTTP/1.1 ");
        ByteBufUtil.writeAscii(out, status);
        out.writeByte(' ');
        ByteBufUtil.writeAscii(out, reason(status));
        out.writeBytes(CRLF);
        for (Map.Entry<CharSequence, CharSequence> field : headers) {
            CharSequence name = field.getKey();
            if (name.length() > 0 && name.charAt(0) != ':') {
                ByteBufUtil.writeAscii(out, name);
                out.writeByte(':').writeByte(' ');
                ByteBufUtil.writeAscii(out, field.getValue());
                out.writeBytes(CRLF);
            }
        }
        if (!interim) {
            headSent = true;
            boolean bodiless = status.charAt(0) == '1' || AsciiString.contentEquals(status, "204")
                    || AsciiString.contentEquals(status, "304");
            if (!headers.contains(CONTENT_LENGTH) && !bodiless) {
                if (endStream) {
                    ByteBufUtil.writeAscii(out, "content-length: 0\r\n");
                } else {
                    chunked = true;
                    ByteBufUtil.writeAscii(out, "transfer-encoding: chunked\r\n");
                }
            }
        }
        out.writeBytes(CRLF);
        ctx.fireChannelRead(out);
    }

    /** HTTP/2 has no reason phrase: the standard one, or a neutral word for a code without one. */
    private static String reason(CharSequence status) {
        try {
            return HttpResponseStatus.valueOf(Integer.parseInt(status.toString())).reasonPhrase();
        } catch (NumberFormatException e) {
            return "Unknown";
        }
    }

    private static void trailers(ChannelHandlerContext ctx, Http2Headers trailers) {
        ByteBuf out = ctx.alloc().buffer(128);
        out.writeByte('0').writeBytes(CRLF);
        for (Map.Entry<CharSequence, CharSequence> field : trailers) {
            ByteBufUtil.writeAscii(out, field.getKey());
            out.writeByte(':').writeByte(' ');
            ByteBufUtil.writeAscii(out, field.getValue());
            out.writeBytes(CRLF);
        }
        ctx.fireChannelRead(out.writeBytes(CRLF));
    }

    private static ByteBuf chunkSize(ChannelHandlerContext ctx, int size) {
        ByteBuf line = ctx.alloc().buffer(10);
        ByteBufUtil.writeAscii(line, Integer.toHexString(size));
        return line.writeBytes(CRLF);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2ResetFrame) {
            ctx.close(); // the BackendHandler sees the connection close: the answer cannot be finished
        }
        ReferenceCountUtil.release(evt);
    }
}
