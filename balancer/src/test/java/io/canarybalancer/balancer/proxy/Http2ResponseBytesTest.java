package io.canarybalancer.balancer.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The answer of an HTTP/2 replica as the HTTP/1.1 bytes the {@link BackendHandler} behind
 * {@link Http2ResponseBytes} reads: read here with {@code readInbound}, each buffer released.
 */
class Http2ResponseBytesTest {
    @RegisterExtension
    static final LeakWatch LEAKS = new LeakWatch();

    private final EmbeddedChannel stream = new EmbeddedChannel(new Http2ResponseBytes());
    /** The buffers handed to the handler, which it must release (or pass on) whatever it does. */
    private final List<ByteBuf> sent = new ArrayList<>();

    @AfterEach
    void finish() {
        stream.finishAndReleaseAll();
        for (ByteBuf content : sent) {
            assertThat(content.refCnt()).as("a DATA frame's content is released").isZero();
        }
    }

    @Test
    void aBodyOfUnknownLengthGoesChunkedWithItsTrailersInTheLastChunk() {
        stream.writeInbound(headers(status("200").add("content-type", "application/grpc"), false));
        stream.writeInbound(data("hello", false));
        stream.writeInbound(data("", false));
        stream.writeInbound(data("world!", false));
        stream.writeInbound(headers(new DefaultHttp2Headers().add("grpc-status", "0").add("grpc-message", "ok"), true));

        assertThat(received()).isEqualTo("HTTP/1.1 200 OK\r\ncontent-type: application/grpc\r\n"
                + "transfer-encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n6\r\nworld!\r\n"
                + "0\r\ngrpc-status: 0\r\ngrpc-message: ok\r\n\r\n");
    }

    @Test
    void aChunkedBodyEndedByItsLastDataFrameGetsAnEmptyLastChunk() {
        stream.writeInbound(headers(status("200"), false));
        stream.writeInbound(data("0123456789abcdefg", true));

        assertThat(received()).isEqualTo("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
                + "11\r\n0123456789abcdefg\r\n0\r\n\r\n");
    }

    @Test
    void aHeadThatEndsTheStreamWithoutALengthDeclaresAnEmptyBody() {
        stream.writeInbound(headers(status("200").add("grpc-status", "14"), true));

        assertThat(received()).isEqualTo("HTTP/1.1 200 OK\r\ngrpc-status: 14\r\ncontent-length: 0\r\n\r\n");
    }

    @Test
    void aDeclaredLengthKeepsTheBodyUnchunked() {
        stream.writeInbound(headers(status("404").add("content-length", "9"), false));
        stream.writeInbound(data("not ", false));
        stream.writeInbound(data("found", true));

        assertThat(received()).isEqualTo("HTTP/1.1 404 Not Found\r\ncontent-length: 9\r\n\r\nnot found");
    }

    /**
     * HTTP/1.1 cannot carry trailers after a body of declared length: they are left out, or the
     * {@code BackendHandler} would read them as the start of another response.
     */
    @Test
    void trailersAfterADeclaredLengthAreLeftOut() {
        stream.writeInbound(headers(status("200").add("content-length", "2"), false));
        stream.writeInbound(data("ok", false));
        stream.writeInbound(headers(new DefaultHttp2Headers().add("x-checksum", "1"), true));

        assertThat(received()).isEqualTo("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
    }

    @Test
    void anInterimHeadPassesAndTheFinalHeadFollows() {
        stream.writeInbound(headers(status("103").add("link", "</a.css>; rel=preload"), false));
        stream.writeInbound(headers(status("200"), false));
        stream.writeInbound(data("a", true));

        assertThat(received()).isEqualTo("HTTP/1.1 103 Early Hints\r\nlink: </a.css>; rel=preload\r\n\r\n"
                + "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n");
    }

    @Test
    void aNoContentOrNotModifiedAnswerIsNeitherChunkedNorGivenALength() {
        stream.writeInbound(headers(status("204").add("x-a", "a"), false));
        stream.writeInbound(data("", true));

        assertThat(received()).isEqualTo("HTTP/1.1 204 No Content\r\nx-a: a\r\n\r\n");

        EmbeddedChannel other = new EmbeddedChannel(new Http2ResponseBytes());
        other.writeInbound(headers(status("304"), true));
        ByteBuf head = other.readInbound();
        try {
            assertThat(head.toString(StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 304 Not Modified\r\n\r\n");
        } finally {
            head.release();
            other.finishAndReleaseAll();
        }
    }

    @Test
    void aStatusWithoutAStandardReasonStillMakesAStatusLine() {
        stream.writeInbound(headers(status("299"), true));

        assertThat(received()).startsWith("HTTP/1.1 299 ").endsWith("\r\ncontent-length: 0\r\n\r\n");
    }

    @Test
    void aHeadWithoutAValidStatusBecomesAnInvalidStatusLine() {
        stream.writeInbound(headers(new DefaultHttp2Headers().add("x-a", "a"), true));

        assertThat(received()).isEqualTo("HTTP/1.1 ???\r\n\r\n");
    }

    @Test
    void aResetStreamClosesTheChannelAsALostConnection() {
        stream.writeInbound(headers(status("200"), false));
        assertThat(stream.isOpen()).isTrue();

        stream.pipeline().fireUserEventTriggered(new DefaultHttp2ResetFrame(Http2Error.CANCEL));

        assertThat(stream.isOpen()).isFalse();
        assertThat(received()).startsWith("HTTP/1.1 200 OK\r\n");
    }

    private static Http2Headers status(String status) {
        return new DefaultHttp2Headers().status(status);
    }

    private static DefaultHttp2HeadersFrame headers(Http2Headers headers, boolean endStream) {
        return new DefaultHttp2HeadersFrame(headers, endStream);
    }

    private DefaultHttp2DataFrame data(String text, boolean endStream) {
        ByteBuf content = Unpooled.directBuffer().writeBytes(text.getBytes(StandardCharsets.US_ASCII));
        sent.add(content);
        return new DefaultHttp2DataFrame(content, endStream);
    }

    /** Everything fired so far, as text; each buffer released once read. */
    private String received() {
        StringBuilder text = new StringBuilder();
        for (Object message; (message = stream.readInbound()) != null; ) {
            ByteBuf bytes = (ByteBuf) message;
            try {
                text.append(bytes.toString(StandardCharsets.ISO_8859_1));
            } finally {
                bytes.release();
            }
        }
        return text.toString();
    }
}
