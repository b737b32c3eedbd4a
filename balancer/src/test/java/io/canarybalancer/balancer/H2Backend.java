package io.canarybalancer.balancer;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real HTTP/2 cleartext server (prior knowledge) on 127.0.0.1 standing in for one replica of a route
 * with {@code backendProtocol: h2c}: Netty's frame codec with one child channel per stream. It answers
 * every path with its name (header {@code x-replica} and body), and a few paths (by their last segment)
 * with behaviour tests need: {@code POST /echo} sends the request body back, {@code POST /upload} counts
 * it, {@code GET /download?bytes=N} streams N bytes only as fast as the stream's window lets it (so
 * {@link #bytesSent()} shows how much the balancer took), {@code GET /slow?ms=N} answers late,
 * {@code GET /hold} never answers, {@code GET /reset} resets the stream before any head,
 * {@code GET /reset-after-head} sends a head and 10 bytes, then resets, {@code GET /early-hints} sends
 * an interim {@code 103} head and its final answer 200 ms later. Once told to
 * {@linkplain #refuseStreams() refuse streams}, it resets every new stream with {@code REFUSED_STREAM}
 * as soon as its HEADERS arrive. It counts requests, streams refused, resets received and bytes sent.
 */
public final class H2Backend implements AutoCloseable {
    private static final int CHUNK = 16 * 1024;

    private final String name;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel listener;
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger resetsReceived = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private volatile boolean refusing;
    private final AtomicLong bytesSent = new AtomicLong();
    private final Map<String, String> lastHeaders = new ConcurrentHashMap<>();

    public H2Backend(String name) throws InterruptedException {
        this.name = name;
        this.listener = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(Http2FrameCodecBuilder.forServer().build(),
                                new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                                    @Override
                                    protected void initChannel(Http2StreamChannel stream) {
                                        stream.pipeline().addLast(new StreamHandler());
                                    }
                                }));
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
    }

    public String name() {
        return name;
    }

    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    public int requests() {
        return requests.get();
    }

    /** Streams the balancer reset (RST_STREAM received). */
    public int resetsReceived() {
        return resetsReceived.get();
    }

    /** From now on, refuse every new stream (RST_STREAM REFUSED_STREAM before any head), as a replica shedding load. */
    public void refuseStreams() {
        refusing = true;
    }

    /** Streams refused with REFUSED_STREAM. */
    public int refused() {
        return refused.get();
    }

    /** Body bytes handed to streams by {@code /download}, which writes only while its stream is writable. */
    public long bytesSent() {
        return bytesSent.get();
    }

    /** Headers of the last request received, names in lower case as HTTP/2 has them. */
    public Map<String, String> lastHeaders() {
        return lastHeaders;
    }

    /** A replica-file line for this backend. */
    public String replica() {
        return "  - {address: 127.0.0.1, port: " + port() + ", id: " + name + "}\n";
    }

    @Override
    public void close() {
        if (group.isShuttingDown()) {
            return;
        }
        listener.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** One stream: one request. Confined to the connection's event loop. */
    private final class StreamHandler extends ChannelInboundHandlerAdapter {
        private Http2Headers request;
        private CompositeByteBuf body;
        private long bodyBytes;
        private long toSend;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof Http2HeadersFrame headers && request == null) {
                    request = headers.headers();
                    if (refusing) {
                        refused.incrementAndGet();
                        ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.REFUSED_STREAM));
                        return;
                    }
                    requests.incrementAndGet();
                    lastHeaders.clear();
                    request.forEach(h -> lastHeaders.put(h.getKey().toString(), h.getValue().toString()));
                    body = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
                    if (headers.isEndStream()) {
                        respond(ctx);
                    }
                } else if (msg instanceof Http2DataFrame data && body != null) {
                    bodyBytes += data.content().readableBytes();
                    body.addComponent(true, data.content().retain());
                    if (data.isEndStream()) {
                        respond(ctx);
                    }
                } else if (msg instanceof Http2HeadersFrame trailers && trailers.isEndStream() && body != null) {
                    respond(ctx);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            // The multiplexer hands a stream's RST_STREAM to its channel as an event, not as a read.
            if (event instanceof Http2ResetFrame) {
                resetsReceived.incrementAndGet();
            }
            ReferenceCountUtil.release(event);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (body != null) {
                body.release();
                body = null;
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            sendMore(ctx);
        }

        private void respond(ChannelHandlerContext ctx) {
            QueryStringDecoder uri = new QueryStringDecoder(request.path().toString());
            String path = uri.path();
            switch (path.substring(path.lastIndexOf('/'))) {
                case "/echo" -> {
                    ctx.write(head(false));
                    ByteBuf echoed = body;
                    body = null;
                    ctx.writeAndFlush(new DefaultHttp2DataFrame(echoed, true)); // the frame owns the body now
                }
                case "/upload" -> text(ctx, Long.toString(bodyBytes));
                case "/download" -> {
                    toSend = Long.parseLong(uri.parameters().get("bytes").get(0));
                    ctx.writeAndFlush(head(false));
                    sendMore(ctx);
                }
                case "/slow" -> ctx.executor().schedule(() -> text(ctx, name),
                        Long.parseLong(uri.parameters().get("ms").get(0)), TimeUnit.MILLISECONDS);
                case "/hold" -> {
                    // never answers
                }
                case "/reset" -> ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.INTERNAL_ERROR));
                case "/reset-after-head" -> {
                    ctx.write(head(false));
                    ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("0123456789",
                            StandardCharsets.US_ASCII), false)).addListener(written ->
                            ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.INTERNAL_ERROR)));
                }
                case "/early-hints" -> {
                    ctx.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("103")
                            .set("link", "</style.css>; rel=preload; as=style"), false));
                    ctx.executor().schedule(() -> text(ctx, name), 200, TimeUnit.MILLISECONDS);
                }
                default -> text(ctx, name);
            }
        }

        /** Writes {@code /download} chunks while the stream's window and buffer take them. */
        private void sendMore(ChannelHandlerContext ctx) {
            boolean wrote = false;
            while (toSend > 0 && ctx.channel().isWritable()) {
                int n = (int) Math.min(CHUNK, toSend);
                toSend -= n;
                bytesSent.addAndGet(n);
                ByteBuf chunk = ctx.alloc().buffer(n).writeZero(n);
                ctx.write(new DefaultHttp2DataFrame(chunk, toSend == 0));
                wrote = true;
            }
            if (wrote) {
                ctx.flush();
            }
        }

        private DefaultHttp2HeadersFrame head(boolean endStream) {
            return new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")
                    .set("content-type", "text/plain; charset=utf-8").set("x-replica", name), endStream);
        }

        private void text(ChannelHandlerContext ctx, String text) {
            ctx.write(head(false));
            ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8), true));
        }
    }
}
