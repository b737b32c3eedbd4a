package io.canarybalancer.balancer.proxy;

import io.canarybalancer.balancer.discovery.Catalog;
import io.canarybalancer.balancer.discovery.PoolRef;
import io.canarybalancer.balancer.discovery.RouteSpec;
import io.canarybalancer.balancer.discovery.ServiceInstance;
import io.canarybalancer.balancer.discovery.TableBuilder;
import io.canarybalancer.balancer.metrics.TrafficStats;
import io.canarybalancer.balancer.route.RoutePolicy;
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
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A backend response whose body framing is ambiguous is not relayed: the client gets 502 and the
 * backend connection is closed. (Netty's client decoder already fails CL with TE and repeated
 * lengths; these are the framings it lets through.) Leak detection is paranoid.
 */
class AmbiguousResponseTest {
    static LeakWatch leakWatch;

    final EmbeddedBackends backends = new EmbeddedBackends();
    final RoutingTableHolder routes = new RoutingTableHolder();
    EmbeddedChannel client;

    @BeforeAll
    static void watchLeaks() {
        leakWatch = new LeakWatch();
    }

    @AfterAll
    static void noLeaks() {
        try {
            assertThat(LeakWatch.paranoid()).as("leak detection level").isTrue();
            assertThat(leakWatch.leaks()).isEmpty();
        } finally {
            leakWatch.close();
        }
    }

    @BeforeEach
    void start() {
        routes.set(TableBuilder.build(List.of(new RouteSpec("message", "/", new PoolRef("service-v1", null),
                        new PoolRef("service-v2", null), RoutePolicy.defaults())),
                new Catalog(Map.of("service-v1", List.of(new ServiceInstance("s1", "127.0.0.1", 9001, List.of(), 1))))));
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
