package io.canarybalancer.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2ChannelDuplexHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** FastBackend's ports answer HTTP/1.1 and, when a connection starts with the preface, HTTP/2. */
class FastBackendProtocolsTest {
    private static final String BODY = "{\"replica\":\"backend-19001\"}";

    private final EmbeddedChannel server = new EmbeddedChannel(
            FastBackend.connections(BODY.getBytes(StandardCharsets.US_ASCII)).get());

    @AfterEach
    void close() {
        server.finishAndReleaseAll();
    }

    @Test
    void answersHttp1EvenWhenTheFirstBytesCameAlone() {
        server.writeInbound(ascii("GE"));
        assertThat(server.pipeline().get(HttpServerCodec.class)).isNotNull();
        assertThat(server.<Object>readOutbound()).isNull();

        server.writeInbound(ascii("T /version HTTP/1.1\r\nHost: backend\r\n\r\n"));

        String answer = drainAscii(server);
        assertThat(answer).startsWith("HTTP/1.1 200 OK\r\n").endsWith(BODY);
    }

    @Test
    void aStartLikeThePrefaceThatDivergesIsHttp1() {
        server.writeInbound(ascii("PRI * HTTP/1.1\r\n"));

        assertThat(server.pipeline().get(HttpServerCodec.class)).isNotNull();
        assertThat(server.pipeline().get(Http2FrameCodec.class)).isNull();
    }

    @Test
    void answersEachHttp2StreamOnceThePrefaceIsWhole() {
        Responses responses = new Responses();
        EmbeddedChannel client = new EmbeddedChannel(Http2FrameCodecBuilder.forClient().build(), responses);
        try {
            ByteBuf preface = Http2CodecUtil.connectionPrefaceBuf();
            ByteBuf fromClient = drain(client);
            assertThat(fromClient.slice(0, preface.readableBytes())).isEqualTo(preface);
            server.writeInbound(fromClient.readRetainedSlice(10));
            assertThat(server.pipeline().get(HttpServerCodec.class)).isNull();
            assertThat(server.pipeline().get(Http2FrameCodec.class)).isNull();

            server.writeInbound(fromClient);
            assertThat(server.pipeline().get(Http2FrameCodec.class)).isNotNull();
            for (int i = 0; i < 3; i++) {
                client.writeOutbound(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().method("GET")
                        .scheme("http").authority("backend").path("/version"), true).stream(responses.newStream()));
            }
            shuttle(client, server);

            assertThat(responses.statuses).containsExactly("200", "200", "200");
            assertThat(responses.bodies).containsExactly(BODY, BODY, BODY);
        } finally {
            client.finishAndReleaseAll();
        }
    }

    /** Passes bytes both ways until neither side has anything more to say. */
    private static void shuttle(EmbeddedChannel client, EmbeddedChannel server) {
        boolean moved = true;
        while (moved) {
            moved = false;
            ByteBuf bytes;
            while ((bytes = client.readOutbound()) != null) {
                server.writeInbound(bytes);
                moved = true;
            }
            while ((bytes = server.readOutbound()) != null) {
                client.writeInbound(bytes);
                moved = true;
            }
        }
    }

    private static ByteBuf drain(EmbeddedChannel channel) {
        ByteBuf all = Unpooled.buffer();
        ByteBuf bytes;
        while ((bytes = channel.readOutbound()) != null) {
            all.writeBytes(bytes);
            bytes.release();
        }
        return all;
    }

    private static String drainAscii(EmbeddedChannel channel) {
        ByteBuf all = drain(channel);
        try {
            return all.toString(StandardCharsets.US_ASCII);
        } finally {
            all.release();
        }
    }

    private static ByteBuf ascii(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII);
    }

    /** The client's view: each stream's status and body, in the order the streams ended. */
    private static final class Responses extends Http2ChannelDuplexHandler {
        final List<String> statuses = new ArrayList<>();
        final List<String> bodies = new ArrayList<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof Http2HeadersFrame headers) {
                    statuses.add(headers.headers().status().toString());
                } else if (msg instanceof Http2DataFrame data) {
                    bodies.add(data.content().toString(StandardCharsets.US_ASCII));
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
    }
}
