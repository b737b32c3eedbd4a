package io.canarybalancer.balancer.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The first bytes of a plain connection: the HTTP/2 preface, the start of it, or HTTP/1.1. */
class Http2PrefaceTest {
    private static final String PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

    @Test
    void theWholePrefaceIsFoundAndWhatFollowsItDoesNotMatter() {
        assertThat(match(PREFACE)).isEqualTo(Http2Preface.WHOLE);
        assertThat(match(PREFACE + "\u0000\u0000\u0012\u0004")).isEqualTo(Http2Preface.WHOLE);
    }

    @Test
    void everyPrefixOfThePrefaceWaitsForMore() {
        for (int length = 0; length < PREFACE.length(); length++) {
            assertThat(match(PREFACE.substring(0, length))).as("%d bytes", length).isEqualTo(Http2Preface.PART);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "GET / HTTP/1.1\r\nHost: lb\r\n\r\n",
            "G",
            "POST /upload HTTP/1.1\r\n",
            "PUT",
            "PRI * HTTP/1.1\r\n",
            "PRI * HTTP/2.0\r\n\r\n\r\n",
            "pri * HTTP/2.0\r\n\r\nSM\r\n\r\n",
            "PRI * HTTP/2.0\r\n\r\nSM\r\n\rX",
    })
    void anythingElseIsHttp11(String start) {
        assertThat(match(start)).isEqualTo(Http2Preface.NONE);
    }

    @Test
    void theBytesAreComparedFromTheReaderIndexAndNotConsumed() {
        ByteBuf in = Unpooled.copiedBuffer("xx" + PREFACE, StandardCharsets.US_ASCII);
        try {
            in.skipBytes(2);

            assertThat(Http2Preface.match(in)).isEqualTo(Http2Preface.WHOLE);
            assertThat(in.readerIndex()).isEqualTo(2);
        } finally {
            in.release();
        }
    }

    private static int match(String start) {
        ByteBuf in = Unpooled.copiedBuffer(start, StandardCharsets.ISO_8859_1);
        try {
            return Http2Preface.match(in);
        } finally {
            in.release();
        }
    }
}
