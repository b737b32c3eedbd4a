package io.canarybalancer.balancer.proxy;

import io.canarybalancer.balancer.route.RoutingTableHolder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A backend response whose body framing is ambiguous is not relayed: the client gets 502 and the
 * backend connection is closed. (Netty's client decoder already fails CL with TE and repeated
 * lengths; these are the framings it lets through.) Leak detection is paranoid.
 */
class AmbiguousResponseTest {
    @RegisterExtension
    static final LeakWatch LEAKS = new LeakWatch();

    final EmbeddedBackends backends = new EmbeddedBackends();
    final RoutingTableHolder routes = new RoutingTableHolder();
    EmbeddedChannel client;

    @BeforeEach
    void start() {
        TestProxyContext.oneStableReplica(routes);
        client = new EmbeddedChannel(new FrontendHandler(TestProxyContext.of(routes, backends)));
    }

    @AfterEach
    void finish() {
        client.finishAndReleaseAll();
        backends.finishAll();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "Transfer-Encoding | gzip",
            "Transfer-Encoding | gzip, chunked",
            "Content-Length    | 02",
    })
    void isAnswered502AndTheBackendConnectionClosed(String name, String value) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/version");
        request.headers().set("Host", "lb");
        client.writeInbound(request, LastHttpContent.EMPTY_LAST_CONTENT);
        EmbeddedChannel backend = backends.last();
        backend.releaseOutbound();

        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response.headers().set(name, value);
        ByteBuf body = Unpooled.copiedBuffer("ok", StandardCharsets.UTF_8);
        backend.writeInbound(response, new DefaultLastHttpContent(body));

        FullHttpResponse answer = client.readOutbound();
        assertThat(answer.status()).isEqualTo(HttpResponseStatus.BAD_GATEWAY);
        assertThat(answer.content().toString(StandardCharsets.UTF_8)).contains("ambiguous response");
        answer.release();
        assertThat((Object) client.readOutbound()).as("nothing of the backend's response").isNull();
        assertThat(backend.isOpen()).isFalse();
        assertThat(backends.released).isEmpty();
        assertThat(body.refCnt()).isZero();
    }
}
