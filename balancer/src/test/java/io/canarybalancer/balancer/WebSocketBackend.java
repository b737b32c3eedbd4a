package io.canarybalancer.balancer;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real WebSocket echo server on 127.0.0.1 standing in for one replica (Netty's server codec). A
 * text message comes back as {@code NAME:message}, so a test sees which replica answered; a binary
 * one comes back unchanged. The echo has backpressure: while its connection cannot take more, it
 * reads no more, so whatever piles up piles up in front of it, not inside it.
 * <p>
 * What an upgrade request meets depends on its path's last segment and query, as in
 * {@link TestBackend}: {@code /refuse?status=N} answers N with a short body instead of switching,
 * {@code /hangup} reads the request and closes the connection without an answer, {@code /switch-anyway}
 * answers {@code 101} to any request, even one that asked for no upgrade, {@code ?cutAfter=N}
 * closes the connection after echoing N messages, {@code ?readEveryMs=N} reads one message per N ms
 * (a slow reader). {@code Upgrade: customproto} switches to a raw byte echo that first greets with
 * {@code hello from NAME\n}. Requests without an upgrade get their name as a plain answer, and
 * {@code /headers} the request headers they arrived with (names in lower case).
 * It counts upgrade requests per path and the connections open, so tests can see what reached it.
 */
public final class WebSocketBackend implements AutoCloseable {
    /** Large enough for the big messages of the memory test, in one frame. */
    static final int MAX_FRAME = 1 << 20;

    private final String name;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel listener;
    private final AtomicInteger open = new AtomicInteger();
    private final Map<String, AtomicInteger> upgrades = new ConcurrentHashMap<>();

    public WebSocketBackend(String name) throws InterruptedException {
        this.name = name;
        this.listener = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                // Reads are asked for one at a time (below), so a slow reader and the echo's
                // backpressure are real: nothing is read that cannot be written back.
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        open.incrementAndGet();
                        channel.closeFuture().addListener(closed -> open.decrementAndGet());
                        channel.pipeline().addLast("reads", new Reads());
                        channel.pipeline().addLast("http", new HttpServerCodec());
                        channel.pipeline().addLast("aggregator", new HttpObjectAggregator(64 * 1024));
                        channel.pipeline().addLast("upgrade", new Upgrade());
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

    /** Connections open now (HTTP, WebSocket or raw). */
    public int openConnections() {
        return open.get();
    }

    /** Upgrade requests received for this path (the path without its query). */
    public int upgradeRequests(String path) {
        AtomicInteger count = upgrades.get(path);
        return count == null ? 0 : count.get();
    }

    /** Stops listening and drops every connection; closing twice is harmless. */
    @Override
    public void close() {
        if (group.isShuttingDown()) {
            return;
        }
        listener.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /**
     * Asks the socket for the next read only when the connection can take what an echo of it
     * writes, and after {@code readEveryMs} when the connection asked for a slow reader.
     */
    private static final class Reads extends ChannelDuplexHandler {
        private long pauseMillis;
        private boolean wanted;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.read();
            ctx.fireChannelActive();
        }

        void slow(long millis) {
            pauseMillis = millis;
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.fireChannelReadComplete();
            wanted = true;
            readIfWritable(ctx);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            readIfWritable(ctx);
            ctx.fireChannelWritabilityChanged();
        }

        private void readIfWritable(ChannelHandlerContext ctx) {
            if (!wanted || !ctx.channel().isWritable()) {
                return;
            }
            wanted = false;
            if (pauseMillis > 0) {
                ctx.executor().schedule(() -> ctx.read(), pauseMillis, TimeUnit.MILLISECONDS);
            } else {
                ctx.read();
            }
        }
    }

    /** The HTTP side: counts upgrade requests and decides what each meets. */
    private final class Upgrade extends SimpleChannelInboundHandler<FullHttpRequest> {
        Upgrade() {
            super(false);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            QueryStringDecoder uri = new QueryStringDecoder(request.uri());
            String path = uri.path();
            String upgrade = request.headers().get(HttpHeaderNames.UPGRADE);
            if (path.endsWith("/switch-anyway")) {
                request.release();
                answer(ctx, HttpResponseStatus.SWITCHING_PROTOCOLS, "", false); // unasked: a broken replica
                return;
            }
            if (upgrade == null) {
                plain(ctx, request, path.endsWith("/headers") ? headers(request) : name);
                return;
            }
            upgrades.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            String last = path.substring(path.lastIndexOf('/'));
            if (last.equals("/hangup")) {
                request.release();
                ctx.close();
            } else if (last.equals("/refuse")) {
                int status = Integer.parseInt(uri.parameters().get("status").get(0));
                request.release();
                answer(ctx, HttpResponseStatus.valueOf(status), "refused by " + name, true);
            } else if (upgrade.equalsIgnoreCase("customproto")) {
                request.release();
                rawEcho(ctx);
            } else {
                webSocket(ctx, request, uri);
            }
        }

        private static String headers(FullHttpRequest request) {
            Map<String, String> headers = new TreeMap<>();
            request.headers().forEach(e -> headers.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue()));
            return headers.toString();
        }

        private void plain(ChannelHandlerContext ctx, FullHttpRequest request, String body) {
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            request.release();
            answer(ctx, HttpResponseStatus.OK, body, keepAlive);
        }

        private void answer(ChannelHandlerContext ctx, HttpResponseStatus status, String body, boolean keepAlive) {
            ByteBuf content = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes())
                    .set("X-Replica", name);
            HttpUtil.setKeepAlive(response, keepAlive);
            var written = ctx.writeAndFlush(response);
            if (!keepAlive) {
                written.addListener(ChannelFutureListener.CLOSE);
            }
        }

        /** Answers 101 by hand and leaves HTTP: from here on the connection is a byte echo. */
        private void rawEcho(ChannelHandlerContext ctx) {
            FullHttpResponse switching = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.SWITCHING_PROTOCOLS);
            switching.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE)
                    .set(HttpHeaderNames.UPGRADE, "customproto")
                    .set("X-Replica", name);
            ctx.writeAndFlush(switching);
            ctx.pipeline().remove("aggregator");
            ctx.pipeline().replace("upgrade", "echo", new RawEcho());
            ctx.pipeline().remove("http");
            ctx.writeAndFlush(Unpooled.copiedBuffer("hello from " + name + "\n", StandardCharsets.UTF_8));
        }

        private void webSocket(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder uri) {
            int cutAfter = intParameter(uri, "cutAfter", -1);
            ((Reads) ctx.pipeline().get("reads")).slow(intParameter(uri, "readEveryMs", 0));
            WebSocketServerProtocolConfig config = WebSocketServerProtocolConfig.newBuilder()
                    .websocketPath(uri.path())
                    .checkStartsWith(true) // the path may carry the knobs' query
                    .maxFramePayloadLength(MAX_FRAME)
                    .handleCloseFrames(true)
                    .sendCloseFrame(null) // a close is a plain TCP close, as when a replica dies mid-stream
                    .build();
            ctx.pipeline().addAfter("upgrade", "websocket", new WebSocketServerProtocolHandler(config));
            ctx.pipeline().addAfter("websocket", "echo", new Echo(cutAfter));
            ctx.fireChannelRead(request); // the protocol handler answers the handshake
        }

        private static int intParameter(QueryStringDecoder uri, String name, int otherwise) {
            var values = uri.parameters().get(name);
            return values == null ? otherwise : Integer.parseInt(values.get(0));
        }
    }

    /** Echoes WebSocket messages: text tagged with the replica's name, binary as it came. */
    private final class Echo extends SimpleChannelInboundHandler<WebSocketFrame> {
        private final int cutAfter;
        private int echoed;

        Echo(int cutAfter) {
            super(false);
            this.cutAfter = cutAfter;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            WebSocketFrame echo;
            if (frame instanceof TextWebSocketFrame text) {
                echo = new TextWebSocketFrame(name + ":" + text.text());
                text.release();
            } else if (frame instanceof BinaryWebSocketFrame binary) {
                echo = binary; // the same bytes go back
            } else {
                frame.release(); // continuation frames are not sent by the tests' clients
                return;
            }
            var written = ctx.writeAndFlush(echo);
            if (++echoed == cutAfter) {
                written.addListener(ChannelFutureListener.CLOSE); // mid-stream, without a close frame
            }
        }
    }

    /** Sends back every byte it receives. */
    private static final class RawEcho extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.writeAndFlush(msg);
        }
    }
}
