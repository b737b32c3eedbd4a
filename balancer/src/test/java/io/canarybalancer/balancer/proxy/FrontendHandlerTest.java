package io.canarybalancer.balancer.proxy;

import io.canarybalancer.balancer.discovery.PoolRef;
import io.canarybalancer.balancer.discovery.RouteSpec;
import io.canarybalancer.balancer.route.RoutePolicy;
import io.canarybalancer.balancer.route.RoutingTableHolder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The client-side handler and its exchanges, driven through {@link EmbeddedChannel}s on both sides,
 * with Netty's leak detection at paranoid: every buffer a test creates must end released.
 */
class FrontendHandlerTest {
    @RegisterExtension
    static final LeakWatch LEAKS = new LeakWatch();

    final EmbeddedBackends backends = new EmbeddedBackends();
    final List<ByteBuf> created = new ArrayList<>();
    final RoutingTableHolder routes = new RoutingTableHolder();
    EmbeddedChannel client;

    @BeforeEach
    void start() {
        TestProxyContext.oneStableReplica(routes,
                new RouteSpec("empty", "/empty", new PoolRef("nothing", null), new PoolRef("nothing", null),
                        RoutePolicy.defaults()));
        client = new EmbeddedChannel(new FrontendHandler(TestProxyContext.of(routes, backends)));
    }

    @AfterEach
    void finish() {
        client.finishAndReleaseAll();
        backends.finishAll();
        assertThat(created).as("every buffer the test created was released")
                .allSatisfy(buffer -> assertThat(buffer.refCnt()).isZero());
    }

    @Test
    void forwardsARequestAndItsResponseThenPoolsTheBackendConnection() {
        client.writeInbound(get("/version"), LastHttpContent.EMPTY_LAST_CONTENT);

        EmbeddedChannel backend = backends.last();
        HttpRequest forwarded = backend.readOutbound();
        assertThat(forwarded.uri()).isEqualTo("/version");
        assertThat(forwarded.headers().get("X-Forwarded-Proto")).isEqualTo("http");
        assertThat(forwarded.headers().get("X-Forwarded-Host")).isEqualTo("lb");
        assertThat((Object) backend.readOutbound()).isInstanceOf(LastHttpContent.class);

        backend.writeInbound(response(HttpResponseStatus.OK), last("v1"));

        HttpResponse response = client.readOutbound();
        assertThat(response.status()).isEqualTo(HttpResponseStatus.OK);
        assertThat(response.headers().get("X-Canary-Pool")).isEqualTo("stable");
        LastHttpContent body = client.readOutbound();
        assertThat(body.content().toString(StandardCharsets.UTF_8)).isEqualTo("v1");
        body.release();
        assertThat(backends.released).containsExactly(backend);
        assertThat(client.isOpen()).isTrue();
    }

    @Test
    void aPooledConnectionIsReusedForTheNextRequest() {
        exchangeOnce("/a");
        exchangeOnce("/b");

        assertThat(backends.opened).hasSize(1);
    }

    @Test
    void streamsRequestBodyPartsAsTheyArrive() {
        HttpRequest post = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/upload");
        post.headers().set(HttpHeaderNames.CONTENT_LENGTH, 6);
        client.writeInbound(post, content("abc"));
        EmbeddedChannel backend = backends.last();
        assertThat((Object) backend.readOutbound()).isInstanceOf(HttpRequest.class);
        HttpContent first = backend.readOutbound();
        assertThat(first.content().toString(StandardCharsets.UTF_8)).isEqualTo("abc");
        first.release();

        client.writeInbound(last("def"));

        LastHttpContent second = backend.readOutbound();
        assertThat(second.content().toString(StandardCharsets.UTF_8)).isEqualTo("def");
        second.release();
    }

    @Test
    void noReplicaIsAnswered503WithoutABackendConnection() {
        client.writeInbound(get("/empty/x"), LastHttpContent.EMPTY_LAST_CONTENT);

        FullHttpResponse response = client.readOutbound();
        assertThat(response.status()).isEqualTo(HttpResponseStatus.SERVICE_UNAVAILABLE);
        assertThat(response.content().toString(StandardCharsets.UTF_8)).contains("\"route\":\"empty\"");
        response.release();
        assertThat(backends.opened).isEmpty();
        assertThat(client.isOpen()).isTrue();
    }

    @Test
    void aRefusedConnectionIsAnswered502AndTheConnectionStaysUsable() {
        backends.refuseWith = new ConnectException("refused");
        client.writeInbound(get("/x"), LastHttpContent.EMPTY_LAST_CONTENT);

        assertStatus(HttpResponseStatus.BAD_GATEWAY);

        backends.refuseWith = null;
        exchangeOnce("/y");
    }

    @Test
    void aConnectTimeoutIsAnswered504() {
        backends.refuseWith = new ConnectTimeoutException("too slow");
        client.writeInbound(get("/x"), LastHttpContent.EMPTY_LAST_CONTENT);

        assertStatus(HttpResponseStatus.GATEWAY_TIMEOUT);
    }

    @Test
    void aBackendThatClosesBeforeAnsweringGives502() {
        HttpRequest post = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/x");
        post.headers().set(HttpHeaderNames.CONTENT_LENGTH, 2);
        client.writeInbound(post, last("hi"));
        EmbeddedChannel backend = backends.last();

        backend.close();

        assertStatus(HttpResponseStatus.BAD_GATEWAY);
        assertThat(backends.opened).hasSize(1); // a POST is never replayed
    }

    @Test
    void aGetOnADeadPooledConnectionIsReplayedOnAFreshOne() {
        exchangeOnce("/warm");
        EmbeddedChannel pooled = backends.last();

        client.writeInbound(get("/again"), LastHttpContent.EMPTY_LAST_CONTENT);
        pooled.releaseOutbound();
        pooled.close(); // the backend had closed its idle side

        EmbeddedChannel fresh = backends.last();
        assertThat(fresh).isNotSameAs(pooled);
        HttpRequest replayed = fresh.readOutbound();
        assertThat(replayed.uri()).isEqualTo("/again");
        fresh.writeInbound(response(HttpResponseStatus.OK), last("ok"));
        assertStatus(HttpResponseStatus.OK);
    }

    @Test
    void aBackendThatDiesMidResponseClosesTheClientConnection() {
        client.writeInbound(get("/x"), LastHttpContent.EMPTY_LAST_CONTENT);
        EmbeddedChannel backend = backends.last();
        backend.writeInbound(response(HttpResponseStatus.OK), content("part"));
        HttpResponse head = client.readOutbound();
        assertThat(head.status()).isEqualTo(HttpResponseStatus.OK);

        backend.close();

        assertThat(client.isOpen()).isFalse();
    }

    @Test
    void aSlowBackendIsAnswered504AfterTheResponseTimeout() {
        client.writeInbound(get("/x"), LastHttpContent.EMPTY_LAST_CONTENT);
        EmbeddedChannel backend = backends.last();

        client.advanceTimeBy(ProxySettings.defaults().responseTimeout().toMillis() + 1, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();

        assertStatus(HttpResponseStatus.GATEWAY_TIMEOUT);
        assertThat(backend.isOpen()).isFalse();
    }

    @Test
    void aBackendAskingToCloseIsNotPooled() {
        client.writeInbound(get("/x"), LastHttpContent.EMPTY_LAST_CONTENT);
        EmbeddedChannel backend = backends.last();
        HttpResponse closing = response(HttpResponseStatus.OK);
        closing.headers().set(HttpHeaderNames.CONNECTION, "close");

        backend.writeInbound(closing, last("bye"));

        HttpResponse response = client.readOutbound();
        assertThat(response.headers().contains(HttpHeaderNames.CONNECTION)).isFalse();
        assertThat(backends.released).isEmpty();
        assertThat(backend.isOpen()).isFalse();
        assertThat(client.isOpen()).isTrue();
    }

    @Test
    void pipelinedRequestsWaitForTheCurrentExchange() {
        client.writeInbound(get("/first"), LastHttpContent.EMPTY_LAST_CONTENT, get("/second"),
                LastHttpContent.EMPTY_LAST_CONTENT);
        EmbeddedChannel backend = backends.last();
        HttpRequest first = backend.readOutbound();
        backend.readOutbound();
        assertThat(first.uri()).isEqualTo("/first");
        assertThat((Object) backend.readOutbound()).isNull(); // the second waits

        backend.writeInbound(response(HttpResponseStatus.OK), last("1"));

        // The first connection goes back to the pool only after its read batch (stray bytes from the
        // backend must not reach the next request), so the second request opened another one.
        EmbeddedChannel next = backends.last();
        assertThat(next).isNotSameAs(backend);
        HttpRequest second = next.readOutbound();
        assertThat(second.uri()).isEqualTo("/second");
        assertThat(backends.released).containsExactly(backend);
    }

    @Test
    void aMalformedRequestIsAnswered400AndTheConnectionClosed() {
        HttpRequest bad = get("/x");
        bad.setDecoderResult(DecoderResult.failure(new IllegalArgumentException("invalid header")));

        client.writeInbound(bad, LastHttpContent.EMPTY_LAST_CONTENT);

        assertStatus(HttpResponseStatus.BAD_REQUEST);
        assertThat(client.isOpen()).isFalse();
        assertThat(backends.opened).isEmpty();
    }

    @Test
    void theClientLeavingClosesTheBackendConnection() {
        client.writeInbound(get("/x"), LastHttpContent.EMPTY_LAST_CONTENT);
        EmbeddedChannel backend = backends.last();

        client.close();

        assertThat(backend.isOpen()).isFalse();
    }

    @Test
    void hopByHopHeadersDoNotCrossAndConnectionCannotRemoveFraming() {
        HttpRequest post = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/x");
        post.headers().set(HttpHeaderNames.CONTENT_LENGTH, 2)
                .set(HttpHeaderNames.CONNECTION, "keep-alive, X-Secret, Content-Length")
                .set("X-Secret", "hidden")
                .set(HttpHeaderNames.UPGRADE, "websocket")
                .set("Keep-Alive", "timeout=5");
        client.writeInbound(post, last("hi"));

        HttpRequest forwarded = backends.last().readOutbound();
        assertThat(forwarded.headers().names()).doesNotContain("X-Secret", "Connection", "Upgrade", "Keep-Alive");
        assertThat(forwarded.headers().get(HttpHeaderNames.CONTENT_LENGTH)).isEqualTo("2");
    }

    private void exchangeOnce(String uri) {
        client.writeInbound(get(uri), LastHttpContent.EMPTY_LAST_CONTENT);
        EmbeddedChannel backend = backends.last();
        HttpRequest forwarded = backend.readOutbound();
        assertThat(forwarded.uri()).isEqualTo(uri);
        backend.readOutbound();
        backend.writeInbound(response(HttpResponseStatus.OK), last("ok"));
        assertStatus(HttpResponseStatus.OK);
    }

    private void assertStatus(HttpResponseStatus status) {
        HttpResponse response = client.readOutbound();
        assertThat(response.status()).isEqualTo(status);
        if (response instanceof FullHttpResponse full) {
            full.release();
        } else {
            Object rest;
            while ((rest = client.readOutbound()) != null) {
                io.netty.util.ReferenceCountUtil.release(rest);
            }
        }
    }

    private static HttpRequest get(String uri) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        request.headers().set(HttpHeaderNames.HOST, "lb");
        return request;
    }

    private static HttpResponse response(HttpResponseStatus status) {
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
        response.headers().set(HttpHeaderNames.CONTENT_LENGTH, 2);
        return response;
    }

    private HttpContent content(String text) {
        ByteBuf buffer = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
        created.add(buffer);
        return new DefaultHttpContent(buffer);
    }

    private LastHttpContent last(String text) {
        ByteBuf buffer = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
        created.add(buffer);
        return new DefaultLastHttpContent(buffer);
    }
}
