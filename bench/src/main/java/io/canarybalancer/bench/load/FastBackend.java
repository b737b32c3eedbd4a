package io.canarybalancer.bench.load;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The fastest honest backend: answers every request on every given port with a small fixed JSON
 * body naming the port, keep-alive when asked. One process, one event loop per port is plenty;
 * what is measured is the proxy in front of it. Each port also speaks cleartext HTTP/2 with prior
 * knowledge (a connection that starts with the preface), for the rows with HTTP/2 backends.
 *
 * <p>{@code java -cp benchmarks.jar io.canarybalancer.bench.load.FastBackend 19001 19002 ...}
 */
public final class FastBackend {

    private FastBackend() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length == 0) {
            System.err.println("usage: FastBackend PORT...");
            System.exit(2);
        }
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        List<Channel> listeners = new ArrayList<>();
        for (String arg : args) {
            int port = Integer.parseInt(arg);
            Supplier<ChannelHandler> connections = connections(
                    ("{\"replica\":\"backend-" + port + "\"}").getBytes(StandardCharsets.US_ASCII));
            listeners.add(new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            channel.pipeline().addLast(connections.get());
                        }
                    })
                    .bind("127.0.0.1", port).sync().channel());
        }
        System.out.println("FastBackend listening on " + String.join(" ", args));
        listeners.get(0).closeFuture().sync();
    }

    /** The first handler of each connection to a port that answers {@code body}, in either protocol. */
    static Supplier<ChannelHandler> connections(byte[] bytes) {
        ByteBuf body = Unpooled.unreleasableBuffer(Unpooled.directBuffer(bytes.length).writeBytes(bytes));
        ChannelHandler answer = new Answer(body);
        return () -> new PrefaceSwitch(
                () -> new ChannelHandler[] {new HttpServerCodec(), new HttpObjectAggregator(64 * 1024), answer},
                () -> new ChannelHandler[] {Http2FrameCodecBuilder.forServer().build(), new Http2Answer(body)});
    }

    @ChannelHandler.Sharable
    private static final class Answer extends SimpleChannelInboundHandler<HttpRequest> {
        private final ByteBuf body;

        Answer(ByteBuf body) {
            this.body = body;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpRequest request) {
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    body.duplicate());
            response.headers()
                    .set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            HttpUtil.setKeepAlive(response, keepAlive);
            var future = ctx.writeAndFlush(response);
            if (!keepAlive) {
                future.addListener(ChannelFutureListener.CLOSE);
            }
        }
    }
}
