package io.canarybalancer.balancer;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.OptionalSslHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.stream.ChunkedStream;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real HTTP server on 127.0.0.1 standing in for one replica. It answers every path with its name
 * (header {@code X-Replica} and body), and a few paths (by their last segment) with behaviour tests need:
 * {@code POST /upload} counts the body, {@code GET /download?bytes=N} streams N bytes,
 * {@code GET /slow?ms=N} answers late, {@code GET /headers} echoes the request headers, {@code GET /tls}
 * answers {@code tls} or {@code plain} after how the connection came (for a TLS backend), {@code GET /echo}
 * with an {@code Upgrade} header switches to it and echoes every byte, {@code GET /halt}
 * and {@code GET /cut} send 10 of 100 promised bytes, then stand still or close, {@code GET /split-head}
 * sends its response head in two writes 200 ms apart, then its body, and leaves the close to the client.
 * It counts connections, requests and bytes so tests can see what reached it, and on request keeps
 * every request whole ({@link #keepRequests}) or answers the other paths with JSON ({@link #answerJson}).
 */
public final class TestBackend implements AutoCloseable {
    private final String name;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel listener;
    private final AtomicInteger connections = new AtomicInteger();
    /** The connections accepted and still open (a group forgets a channel when it closes). */
    private final ChannelGroup accepted = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicLong bytesReceived = new AtomicLong();
    private final Map<String, String> lastHeaders = new ConcurrentHashMap<>();
    private volatile String lastTarget;
    /** Values of {@code X-Request-Id} received, with how often each came. */
    private final Map<String, Integer> requestIds = new ConcurrentHashMap<>();
    private volatile boolean stalled;
    private volatile int failPercent;
    private final AtomicLong answers = new AtomicLong();
    private volatile boolean keepRequests;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private volatile String json;

    /** A request as it arrived: header names in lower case, the body decoded from its framing. */
    public record Received(String method, String target, Map<String, String> headers, String body) {
    }

    public TestBackend(String name) throws InterruptedException {
        this(name, null, false);
    }

    /** A replica that speaks only TLS, presenting {@code tls}'s certificate. */
    public static TestBackend tls(String name, SslContext tls) throws InterruptedException {
        return new TestBackend(name, tls, false);
    }

    /** A replica that answers TLS and plain HTTP on one port, told apart by a connection's first bytes. */
    public static TestBackend tlsOrPlain(String name, SslContext tls) throws InterruptedException {
        return new TestBackend(name, tls, true);
    }

    private TestBackend(String name, SslContext tls, boolean plainToo) throws InterruptedException {
        this.name = name;
        this.listener = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        connections.incrementAndGet();
                        accepted.add(channel);
                        if (tls != null) {
                            channel.pipeline().addLast(plainToo ? new OptionalSslHandler(tls)
                                    : tls.newHandler(channel.alloc()));
                        }
                        channel.pipeline().addLast(new HttpServerCodec(), new ChunkedWriteHandler(), new Handler());
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
    }

    public String name() {
        return name;
    }

    public int port() {
        return ((java.net.InetSocketAddress) listener.localAddress()).getPort();
    }

    public int connections() {
        return connections.get();
    }

    public int requests() {
        return requests.get();
    }

    public long bytesReceived() {
        return bytesReceived.get();
    }

    /** From now on, take requests and never answer them. */
    public void stall() {
        stalled = true;
    }

    /** {@code X-Request-Id} values received, with their counts. */
    public Map<String, Integer> requestIds() {
        return requestIds;
    }

    /**
     * From now on answer {@code percent}% of requests with 500 instead of their usual answer,
     * spread evenly (30: three in every ten).
     */
    public void failPercent(int percent) {
        this.failPercent = percent;
    }

    /** From now on keep every request whole, for {@link #received}; off by default, as bodies can be large. */
    public void keepRequests() {
        keepRequests = true;
    }

    /** The requests received since {@link #keepRequests}, in order of arrival. */
    public List<Received> received() {
        return List.copyOf(received);
    }

    /** From now on answer the paths without a behaviour of their own with this JSON instead of the name. */
    public void answerJson(String body) {
        json = body;
    }

    /** The request target of the last request received, as it arrived. */
    public String lastTarget() {
        return lastTarget;
    }

    /** Headers of the last request received, names in lower case. */
    public Map<String, String> lastHeaders() {
        return lastHeaders;
    }

    /**
     * Closes every connection it has open, idle keep-alive ones included, and goes on listening:
     * as a server whose keep-alive timeout ran out. Returns once the closes are done.
     */
    public void closeConnections() {
        accepted.close().syncUninterruptibly();
    }

    /** Stops listening and drops every connection, as a killed replica would; closing twice is harmless. */
    @Override
    public void close() {
        if (group.isShuttingDown()) {
            return;
        }
        listener.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Handler extends SimpleChannelInboundHandler<HttpObject> {
        private HttpRequest request;
        private long bodyBytes;
        /** The body so far, while requests are kept. */
        private ByteArrayOutputStream keptBody;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpRequest head) {
                request = head;
                bodyBytes = 0;
                requests.incrementAndGet();
                lastTarget = head.uri();
                String id = head.headers().get("X-Request-Id");
                if (id != null) {
                    requestIds.merge(id, 1, Integer::sum);
                }
                lastHeaders.clear();
                head.headers().forEach(e -> lastHeaders.put(e.getKey().toLowerCase(java.util.Locale.ROOT), e.getValue()));
                keptBody = keepRequests ? new ByteArrayOutputStream() : null;
            }
            if (msg instanceof HttpContent content) {
                bodyBytes += content.content().readableBytes();
                bytesReceived.addAndGet(content.content().readableBytes());
                if (keptBody != null) {
                    keptBody.writeBytes(ByteBufUtil.getBytes(content.content()));
                }
            }
            if (msg instanceof LastHttpContent) {
                if (keptBody != null) {
                    received.add(new Received(request.method().name(), request.uri(), Map.copyOf(lastHeaders),
                            keptBody.toString(StandardCharsets.UTF_8)));
                }
                respond(ctx);
            }
        }

        private void respond(ChannelHandlerContext ctx) {
            if (stalled) {
                return; // a hung replica: reads requests, never answers
            }
            int failing = failPercent;
            long answer = answers.incrementAndGet();
            if (failing > 0 && answer * failing / 100 > (answer - 1) * failing / 100) {
                fail(ctx, HttpUtil.isKeepAlive(request));
                return;
            }
            QueryStringDecoder uri = new QueryStringDecoder(request.uri());
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            String path = uri.path();
            switch (path.substring(path.lastIndexOf('/'))) {
                case "/download" -> download(ctx, Long.parseLong(uri.parameters().get("bytes").get(0)), keepAlive);
                case "/slow" -> ctx.executor().schedule(() -> text(ctx, name, keepAlive),
                        Long.parseLong(uri.parameters().get("ms").get(0)), TimeUnit.MILLISECONDS);
                case "/upload" -> text(ctx, Long.toString(bodyBytes), keepAlive);
                case "/headers" -> text(ctx, lastHeaders.toString(), keepAlive);
                case "/tls" -> text(ctx, ctx.pipeline().get(SslHandler.class) != null ? "tls" : "plain", keepAlive);
                case "/echo" -> switchToEcho(ctx, request.headers().get(HttpHeaderNames.UPGRADE));
                case "/halt" -> { // promises 100 bytes, sends 10, then stands still
                    DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                    head.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 100).set("X-Replica", name);
                    ctx.write(head);
                    ctx.writeAndFlush(new io.netty.handler.codec.http.DefaultHttpContent(
                            Unpooled.copiedBuffer("0123456789", StandardCharsets.UTF_8)));
                }
                case "/cut" -> { // promises 100 bytes, sends 10, then closes the connection
                    DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                    head.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 100).set("X-Replica", name);
                    ctx.write(head);
                    ctx.writeAndFlush(new io.netty.handler.codec.http.DefaultHttpContent(
                            Unpooled.copiedBuffer("0123456789", StandardCharsets.UTF_8)))
                            .addListener(ChannelFutureListener.CLOSE);
                }
                case "/split-head" -> splitHead(ctx);
                default -> {
                    String jsonBody = json;
                    if (jsonBody == null) {
                        text(ctx, name, keepAlive);
                    } else {
                        send(ctx, jsonBody, "application/json", keepAlive);
                    }
                }
            }
        }

        /**
         * Writes the head in two parts 200 ms apart, so the balancer reads it in two reads, then the
         * body. The bytes go out from the codec's own context, past the response encoder, so the
         * connection is not used again ({@code Connection: close}); the close is left to the balancer,
         * as a close of ours would make it read the rest anyway.
         */
        private void splitHead(ChannelHandlerContext ctx) {
            ChannelHandlerContext raw = ctx.pipeline().context(HttpServerCodec.class);
            String head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nX-Replica: " + name
                    + "\r\nContent-Length: " + name.length() + "\r\nConnection: close\r\n\r\n";
            int half = head.indexOf("X-Replica") + 4;
            raw.writeAndFlush(Unpooled.copiedBuffer(head.substring(0, half), StandardCharsets.US_ASCII));
            ctx.executor().schedule(() -> raw.writeAndFlush(Unpooled.copiedBuffer(head.substring(half) + name,
                    StandardCharsets.US_ASCII)), 200, TimeUnit.MILLISECONDS);
        }

        /** Answers {@code 101} for {@code protocol}, then sends every byte received back, unparsed. */
        private void switchToEcho(ChannelHandlerContext ctx, String protocol) {
            DefaultFullHttpResponse switching = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.SWITCHING_PROTOCOLS);
            switching.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE)
                    .set(HttpHeaderNames.UPGRADE, protocol).set("X-Replica", name);
            ctx.writeAndFlush(switching);
            // The client sends nothing more before it has read the 101, so no byte meets the codec.
            ctx.pipeline().remove(HttpServerCodec.class);
            ctx.pipeline().remove(ChunkedWriteHandler.class);
            ctx.pipeline().replace(this, "echo", new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext echo, Object msg) {
                    echo.writeAndFlush(msg);
                }
            });
        }

        private void text(ChannelHandlerContext ctx, String body, boolean keepAlive) {
            send(ctx, body, "text/plain; charset=utf-8", keepAlive);
        }

        private void send(ChannelHandlerContext ctx, String body, String contentType, boolean keepAlive) {
            ByteBuf content = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, content);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes())
                    .set("X-Replica", name);
            HttpUtil.setKeepAlive(response, keepAlive);
            var future = ctx.writeAndFlush(response);
            if (!keepAlive) {
                future.addListener(ChannelFutureListener.CLOSE);
            }
        }

        private void fail(ChannelHandlerContext ctx, boolean keepAlive) {
            ByteBuf content = Unpooled.copiedBuffer("failing on purpose", StandardCharsets.UTF_8);
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.INTERNAL_SERVER_ERROR, content);
            response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes()).set("X-Replica", name);
            HttpUtil.setKeepAlive(response, keepAlive);
            var future = ctx.writeAndFlush(response);
            if (!keepAlive) {
                future.addListener(ChannelFutureListener.CLOSE);
            }
        }

        private void download(ChannelHandlerContext ctx, long size, boolean keepAlive) {
            DefaultHttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            response.headers().set("X-Replica", name);
            HttpUtil.setTransferEncodingChunked(response, true);
            ctx.write(response);
            var future = ctx.writeAndFlush(new HttpChunkedInput(new ChunkedStream(new GeneratedStream(size), 64 * 1024)));
            if (!keepAlive) {
                future.addListener(ChannelFutureListener.CLOSE);
            }
        }
    }
}
