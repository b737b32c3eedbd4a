package io.canarybalancer.balancer.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The client-side codec alone, fed raw bytes; leak detection is paranoid. */
class StrictServerCodecTest {
    @RegisterExtension
    static final LeakWatch LEAKS = new LeakWatch();

    EmbeddedChannel channel;

    @BeforeEach
    void start() {
        channel = new EmbeddedChannel(new StrictServerCodec(new HttpDecoderConfig(), 10));
    }

    @AfterEach
    void finish() {
        channel.finishAndReleaseAll();
    }

    @Test
    void anObsFoldIsRefusedWith400AndTheRestIsDiscarded() {
        send("GET /a HTTP/1.1\r\nHost: lb\r\nX-A: a\r\n b\r\n\r\nGET /b HTTP/1.1\r\nHost: lb\r\n\r\n");

        List<Object> decoded = decoded();
        HttpRequest request = (HttpRequest) decoded.get(0);
        assertThat(status(request)).isEqualTo(HttpResponseStatus.BAD_REQUEST);
        assertThat(request.decoderResult().cause()).hasMessageContaining("obs-fold");
        assertThat(decoded).noneMatch(msg -> msg instanceof HttpRequest other && other.uri().equals("/b"));
    }

    @Test
    void anObsFoldIsFoundWhenTheHeadArrivesByteByByte() {
        for (byte b : "GET /a HTTP/1.1\r\nHost: lb\r\nX-A: a\r\n\tb\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)) {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }

        assertThat(status((HttpRequest) decoded().get(0))).isEqualTo(HttpResponseStatus.BAD_REQUEST);
    }

    @Test
    void aBodyThatLooksLikeAFoldAndAPipelinedRequestAfterItAreFine() {
        String body = "x\r\n y\r\n\r\n";
        send("POST /a HTTP/1.1\r\nHost: lb\r\nContent-Length: " + body.length() + "\r\n\r\n" + body
                + "GET /b HTTP/1.1\r\nHost: lb\r\n\r\n");

        List<Object> decoded = decoded();
        List<String> uris = new ArrayList<>();
        for (Object msg : decoded) {
            if (msg instanceof HttpRequest request) {
                assertThat(request.decoderResult().isSuccess()).as(request.uri()).isTrue();
                uris.add(request.uri());
            }
        }
        assertThat(uris).containsExactly("/a", "/b");
    }

    @Test
    void theValidatorsStatusIsTheCause() {
        send("GET / HTTP/1.1\r\nHost: lb\r\n" + "X-N: 1\r\n".repeat(10) + "\r\n");

        assertThat(status((HttpRequest) decoded().get(0))).isEqualTo(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE);
    }

    @Test
    void nettysOwnRefusalsStayFailures() {
        send("POST / HTTP/1.1\r\nHost: lb\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");

        HttpRequest request = (HttpRequest) decoded().get(0);
        assertThat(request.decoderResult().isFailure()).isTrue();
        assertThat(request.decoderResult().cause()).isNotInstanceOf(InvalidRequestException.class);
    }

    @Test
    void aHeadResponseHasNoBodyAndAnInterimAnswerDoesNotUseUpARequest() {
        send("HEAD /a HTTP/1.1\r\nHost: lb\r\n\r\nGET /b HTTP/1.1\r\nHost: lb\r\n\r\n");
        decoded();

        channel.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        channel.writeOutbound(head, LastHttpContent.EMPTY_LAST_CONTENT);
        HttpResponse get = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        get.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        channel.writeOutbound(get, LastHttpContent.EMPTY_LAST_CONTENT);

        assertThat(written()).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n"
                + "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n" // HEAD: no body, not even the last chunk
                + "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n");
    }

    private void send(String raw) {
        channel.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
    }

    /** Everything decoded so far; body parts are released (only their presence matters here). */
    private List<Object> decoded() {
        List<Object> decoded = new ArrayList<>();
        Object msg;
        while ((msg = channel.readInbound()) != null) {
            decoded.add(msg);
            if (msg instanceof HttpContent) {
                ReferenceCountUtil.release(msg);
            }
        }
        return decoded;
    }

    private String written() {
        StringBuilder text = new StringBuilder();
        ByteBuf buffer;
        while ((buffer = channel.readOutbound()) != null) {
            text.append(buffer.toString(StandardCharsets.ISO_8859_1));
            buffer.release();
        }
        return text.toString();
    }

    private static HttpResponseStatus status(HttpRequest request) {
        assertThat(request.decoderResult().cause()).isInstanceOf(InvalidRequestException.class);
        return ((InvalidRequestException) request.decoderResult().cause()).status();
    }
}
