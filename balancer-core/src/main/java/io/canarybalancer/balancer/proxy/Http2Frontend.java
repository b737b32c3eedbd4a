package io.canarybalancer.balancer.proxy;

import io.canarybalancer.balancer.proxy.pool.BackendConnector;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A client connection that speaks HTTP/2: chosen by ALPN ({@code h2}) on a TLS listener, or by the
 * client's connection preface ({@code h2c} with prior knowledge) on any listener. Netty's codec
 * does the framing, HPACK and flow control; each stream gets a child channel whose only handler is
 * a {@link StreamExchange}.
 *
 * <p>Limits: {@code limits.streams} concurrent streams ({@code SETTINGS_MAX_CONCURRENT_STREAMS};
 * more are refused with {@code RST_STREAM}), a header list of {@code limits.headerSize} bytes.
 * Against the rapid-reset attack (CVE-2023-44487) the codec ends a connection that resets more than
 * {@link #MAX_RESETS} streams within {@link #RESET_WINDOW_SECONDS} seconds with {@code GOAWAY
 * ENHANCE_YOUR_CALM}; against the CONTINUATION flood its decoder ends one whose header block grows
 * past the header list limit, whatever the frames it comes in, or that sends more than 16 small
 * CONTINUATION frames in a row (Netty's defaults, proven by {@code Http2AttacksIT}).
 *
 * <p>An idle connection (no stream open for {@code timeouts.clientIdle}, whatever control frames
 * come) is closed; a drain sends
 * {@code GOAWAY}, lets the streams in flight finish, then closes.
 */
final class Http2Frontend extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(Http2Frontend.class);
    /** Resets a client may cause within {@link #RESET_WINDOW_SECONDS}: far above any honest client's, far below an attack's. */
    static final int MAX_RESETS = 200;
    static final int RESET_WINDOW_SECONDS = 30;
    /** The connection-level receive window: several uploads at once do not wait on each other at 64 KiB. */
    private static final int CONNECTION_WINDOW = 1024 * 1024;

    /** Flushes merged into one at most, so that a long burst still goes out in pieces. */
    static final int FLUSHES_MERGED = 256;

    private final Http2FrameCodec codec;
    private final long idleNanos;
    /** When the last stream opened or closed: idle time counts from there, whatever control frames come. */
    private long lastStreamChange;
    private ScheduledFuture<?> idleCheck;

    private Http2Frontend(Http2FrameCodec codec, Duration idleTimeout) {
        this.codec = codec;
        this.idleNanos = idleTimeout.toNanos();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        lastStreamChange = System.nanoTime();
        codec.connection().addListener(new Http2ConnectionAdapter() {
            @Override
            public void onStreamActive(Http2Stream stream) {
                lastStreamChange = System.nanoTime();
            }

            @Override
            public void onStreamClosed(Http2Stream stream) {
                lastStreamChange = System.nanoTime();
            }
        });
        scheduleIdleCheck(ctx, idleNanos);
    }

    private void scheduleIdleCheck(ChannelHandlerContext ctx, long delayNanos) {
        idleCheck = ctx.executor().schedule(() -> checkIdle(ctx), delayNanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Closes the connection (with GOAWAY) once no stream was open for {@code timeouts.clientIdle}:
     * PINGs and SETTINGS alone do not keep a connection, as they would keep an HTTP/1.1 one.
     */
    private void checkIdle(ChannelHandlerContext ctx) {
        if (!ctx.channel().isActive()) {
            return;
        }
        long idleFor = System.nanoTime() - lastStreamChange;
        if (codec.connection().numActiveStreams() == 0 && idleFor >= idleNanos) {
            ctx.channel().close();
        } else {
            scheduleIdleCheck(ctx, codec.connection().numActiveStreams() == 0 ? idleNanos - idleFor : idleNanos);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (idleCheck != null) {
            idleCheck.cancel(false);
        }
        super.channelInactive(ctx);
    }

    /**
     * Turns the connection of {@code frontend} (an HTTP/1.1 handler that has read nothing it acted
     * on) into an HTTP/2 one: its handler is replaced, and {@code early}, bytes it read already (the
     * connection preface and whatever followed), go to the codec first.
     */
    static void install(ChannelHandlerContext frontend, ProxyContext context, boolean overTls, String clientIp,
                        ByteBuf early) {
        ProxySettings settings = context.settings();
        Channel channel = frontend.channel();
        BackendConnector connector = context.connectors().apply(channel.eventLoop());
        Http2FrameCodec codec = Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings()
                        .maxConcurrentStreams(settings.maxConcurrentStreams())
                        .maxHeaderListSize(settings.maxHeaderSize()))
                .decoderEnforceMaxRstFramesPerWindow(MAX_RESETS, RESET_WINDOW_SECONDS)
                .gracefulShutdownTimeoutMillis(settings.drainTimeout().toMillis())
                .build();
        ChannelPipeline pipeline = channel.pipeline();
        String name = frontend.name();
        // Streams answer one by one, each at the end of its own backend's read: their flushes are
        // merged into one write per event-loop turn, as HAProxy writes all the answers it has at once.
        pipeline.addAfter(name, "h2-flush", new FlushConsolidationHandler(FLUSHES_MERGED, true));
        pipeline.addAfter("h2-flush", "h2", codec);
        pipeline.addAfter("h2", "h2-streams", new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                stream.config().setOption(ChannelOption.AUTO_READ, false);
                stream.pipeline().addLast(new StreamExchange(context, connector, clientIp, overTls));
            }
        }));
        pipeline.addAfter("h2-streams", "h2-connection", new Http2Frontend(codec, settings.clientIdleTimeout()));
        try {
            codec.connection().local().flowController()
                    .incrementWindowSize(codec.connection().connectionStream(), CONNECTION_WINDOW - 65_535);
        } catch (Http2Exception e) {
            throw new IllegalStateException("a new connection's window cannot overflow", e);
        }
        // The codec reads the connection's frames as they come: flow control is per stream, in the stream channels.
        channel.config().setAutoRead(true);
        if (early != null) {
            frontend.fireChannelRead(early);
            frontend.fireChannelReadComplete();
        }
        pipeline.remove(frontend.handler());
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == Drain.INSTANCE) {
            // The codec's close: GOAWAY, the open streams finish (up to the drain timeout), then the close.
            ctx.channel().close();
        } else {
            super.userEventTriggered(ctx, evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("HTTP/2 client connection {} failed", ctx.channel(), cause);
        if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) != null) {
            // A protocol error the codec met: it passes it on before it writes its GOAWAY with the
            // error's code (ENHANCE_YOUR_CALM for a rapid reset) and closes. A close from here would
            // get in first, with a graceful GOAWAY that says NO_ERROR.
            return;
        }
        ctx.close();
    }
}
