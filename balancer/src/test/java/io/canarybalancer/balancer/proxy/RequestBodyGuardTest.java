package io.canarybalancer.balancer.proxy;

import io.canarybalancer.balancer.route.RoutingTableHolder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The client pipeline as {@link FrontendInitializer} builds it (codec, guard, frontend handler),
 * fed raw bytes, with embedded backends: malformed heads and bodies are answered and closed, and
 * nothing of them is flushed to a backend. Leak detection is paranoid.
 */
class RequestBodyGuardTest {
    @RegisterExtension
    static final LeakWatch LEAKS = new LeakWatch();

    final EmbeddedBackends backends = new EmbeddedBackends();
    final RoutingTableHolder routes = new RoutingTableHolder();
    EmbeddedChannel client;

    @BeforeEach
    void start() {
        TestProxyContext.oneStableReplica(routes);
        ProxySettings settings = ProxySettings.defaults();
        client = new EmbeddedChannel(
                new StrictServerCodec(new HttpDecoderConfig(), settings.maxHeaderCount()),
                new RequestBodyGuard(),
                new FrontendHandler(TestProxyContext.of(routes, backends, settings)));
    }

    @AfterEach
    void finish() {
        client.finishAndReleaseAll();
        backends.finishAll();
    }

    @Test
    void aBrokenChunkInTheSameReadAsItsHeadIsAnswered400AndNeverFlushedToTheBackend() {
        send("POST /upload HTTP/1.1\r\nHost: lb\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n");

        assertThat(backends.opened).hasSize(1); // the head started an exchange ...
        assertThat(answer()).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("connection: close")
                .contains("malformed request body");
        client.runPendingTasks();
        assertThat(client.isOpen()).isFalse();
        EmbeddedChannel backend = backends.last();
        assertThat(backend.outboundMessages()).as("nothing was flushed to the backend").isEmpty();
        assertThat(backend.isOpen()).as("the exchange was aborted").isFalse();
    }

    @Test
    void aBrokenChunkAfterTheResponseStartedClosesWithoutAStatus() {
        send("POST /upload HTTP/1.1\r\nHost: lb\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
        EmbeddedChannel backend = backends.last();
        backend.releaseOutbound();
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response.headers().set(HttpHeaderNames.CONTENT_LENGTH, 10);
        backend.writeInbound(response);
        assertThat(answer()).startsWith("HTTP/1.1 200 OK");

        send("3\r\nabcXX");

        client.runPendingTasks();
        assertThat((Object) client.readOutbound()).isNotNull(); // the empty buffer flushed before the close
        assertThat(client.isOpen()).isFalse();
        assertThat(backend.isOpen()).isFalse();
    }

    @Test
    void aMalformedHeadIsAnsweredByTheFrontendAndClosed() {
        send("GET /version HTTP/1.1\nHost: lb\n\n");

        assertThat(answer()).startsWith("HTTP/1.1 400 Bad Request\r\n");
        client.runPendingTasks();
        assertThat(client.isOpen()).isFalse();
        assertThat(backends.opened).isEmpty();
    }

    @Test
    void aRefusedHeadGetsTheValidatorsStatus() {
        send("GET /version HTTP/1.2\r\nHost: lb\r\n\r\n");

        assertThat(answer()).startsWith("HTTP/1.1 505 HTTP Version Not Supported\r\n");
        assertThat(backends.opened).isEmpty();
    }

    @Test
    void aWellFormedChunkedRequestPassesThrough() {
        send("POST /upload HTTP/1.1\r\nHost: lb\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\n\r\n");

        EmbeddedChannel backend = backends.last();
        HttpRequest forwarded = backend.readOutbound();
        assertThat(forwarded.uri()).isEqualTo("/upload");
        backend.releaseOutbound();
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response.headers().set(HttpHeaderNames.CONTENT_LENGTH, 2);
        backend.writeInbound(response, new DefaultLastHttpContent(Unpooled.copiedBuffer("ok", StandardCharsets.UTF_8)));

        assertThat(answer()).startsWith("HTTP/1.1 200 OK").endsWith("ok");
        assertThat(client.isOpen()).isTrue();
    }

    private void send(String raw) {
        client.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
    }

    /** Everything the client was sent so far, as text. */
    private String answer() {
        StringBuilder text = new StringBuilder();
        ByteBuf buffer;
        while ((buffer = client.readOutbound()) != null) {
            text.append(buffer.toString(StandardCharsets.ISO_8859_1));
            buffer.release();
        }
        return text.toString();
    }
}
