package io.canarybalancer.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.Http2CodecUtil;

import java.util.List;
import java.util.function.Supplier;

/**
 * Chooses a connection's protocol from its first bytes, as the balancer does on its plain port:
 * the HTTP/2 connection preface means cleartext HTTP/2 with prior knowledge, anything else HTTP/1.1.
 * Then it steps aside; the bytes it held go on to the handlers it installed.
 */
final class PrefaceSwitch extends ByteToMessageDecoder {
    private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();

    private final Supplier<ChannelHandler[]> http1;
    private final Supplier<ChannelHandler[]> http2;

    PrefaceSwitch(Supplier<ChannelHandler[]> http1, Supplier<ChannelHandler[]> http2) {
        this.http1 = http1;
        this.http2 = http2;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int seen = Math.min(in.readableBytes(), PREFACE.readableBytes());
        boolean prefaceSoFar = ByteBufUtil.equals(in, in.readerIndex(), PREFACE, 0, seen);
        if (prefaceSoFar && seen < PREFACE.readableBytes()) {
            return; // not enough bytes yet to tell
        }
        ChannelHandler[] handlers = prefaceSoFar ? http2.get() : http1.get();
        String before = ctx.name();
        for (ChannelHandler handler : handlers) {
            ctx.pipeline().addAfter(before, null, handler);
            before = ctx.pipeline().context(handler).name();
        }
        ctx.pipeline().remove(this);
    }
}
