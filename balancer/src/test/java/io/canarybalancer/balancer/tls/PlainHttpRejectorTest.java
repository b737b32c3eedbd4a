package io.canarybalancer.balancer.tls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class PlainHttpRejectorTest {
    private EmbeddedChannel channel;

    @AfterEach
    void release() {
        channel.finishAndReleaseAll();
    }

    @Test
    void aPlainHttpRequestGetsA400AndTheConnectionCloses() {
        channel = new EmbeddedChannel(PlainHttpRejector.INSTANCE, new ChannelInboundHandlerAdapter());

        channel.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHost: x\r\n\r\n", StandardCharsets.US_ASCII));

        ByteBuf response = channel.readOutbound();
        String text = response.toString(StandardCharsets.US_ASCII);
        response.release();
        assertThat(text).startsWith("HTTP/1.1 400 Bad Request\r\n")
                .contains("connection: close\r\n")
                .endsWith("{\"error\":\"plain HTTP was sent to a TLS port; use https://\"}\n");
        int length = Integer.parseInt(text.replaceAll("(?s).*content-length: (\\d+).*", "$1"));
        assertThat(text.substring(text.indexOf("\r\n\r\n") + 4)).hasSize(length);
        assertThat((Object) channel.readInbound()).isNull();
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void aTlsRecordPassesOnAndTheCheckLeavesThePipeline() {
        channel = new EmbeddedChannel(PlainHttpRejector.INSTANCE);
        byte[] clientHelloStart = {0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x03};

        channel.writeInbound(Unpooled.wrappedBuffer(clientHelloStart));

        ByteBuf passed = channel.readInbound();
        assertThat(passed.readableBytes()).isEqualTo(clientHelloStart.length);
        passed.release();
        assertThat(channel.pipeline().get(PlainHttpRejector.class)).isNull();
        assertThat(channel.isOpen()).isTrue();
        assertThat((Object) channel.readOutbound()).isNull();
    }
}
