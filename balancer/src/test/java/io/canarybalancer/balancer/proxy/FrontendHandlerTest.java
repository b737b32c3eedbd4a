package io.canarybalancer.balancer.proxy;

import io.canarybalancer.balancer.config.spec.PoolRef;
import io.canarybalancer.balancer.config.spec.RouteSpec;
import io.canarybalancer.balancer.discovery.Catalog;
import io.canarybalancer.balancer.discovery.ServiceInstance;
import io.canarybalancer.balancer.discovery.TableBuilder;
import io.canarybalancer.balancer.route.BackendTls;
import io.canarybalancer.balancer.route.RoutePolicy;
import io.canarybalancer.balancer.route.RoutingTableHolder;
import io.canarybalancer.balancer.route.Upstream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The client-side handler and its exchanges on raw bytes: the client connection is an
 * {@link EmbeddedChannel} holding only a {@link FrontendHandler}, the backends are embedded channels
 * holding a {@link BackendHandler} (see {@link EmbeddedBackends}). Tests write a request's bytes,
 * read back what the handler wrote to the backend, write the backend's bytes, and read what reached
 * the client, both read as HTTP by {@link WireMessage}. Netty's leak detection is paranoid, and every
 * buffer a test created must end released.
 */
class FrontendHandlerTest {
    @RegisterExtension
    static final LeakWatch LEAKS = new LeakWatch();

    /** The client's address: an embedded channel's own is no IP socket, so X-Forwarded-For would be left out. */
    static final InetSocketAddress CLIENT = new InetSocketAddress("203.0.113.7", 50123);
    static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    final EmbeddedBackends backends = new EmbeddedBackends();
    final List<ByteBuf> created = new ArrayList<>();
    final RoutingTableHolder routes = new RoutingTableHolder();
    final ProxySettings settings = ProxySettings.defaults();
    EmbeddedChannel client;

    @BeforeEach
    void start() {
        TestProxyContext.oneStableReplica(routes,
                new RouteSpec("empty", "/empty", new PoolRef("nothing", null), new PoolRef("nothing", null),
                        RoutePolicy.defaults()));
        client = new ClientChannel(new FrontendHandler(TestProxyContext.of(routes, backends, settings)));
    }

    @AfterEach
    void finish() {
        client.finishAndReleaseAll();
        backends.finishAll();
        assertThat(created).as("every buffer the test created was released")
                .allSatisfy(buffer -> assertThat(buffer.refCnt()).isZero());
    }

    // Forwarding

    @Test
    void forwardsARequestAndItsResponseThenPoolsTheBackendConnection() {
        send("GET /version HTTP/1.1\r\nHost: lb\r\nAccept: */*\r\n\r\n");

        EmbeddedChannel backend = backends.last();
        WireMessage forwarded = forwarded(backend);
        assertThat(forwarded.startLine()).isEqualTo("GET /version HTTP/1.1");
        assertThat(forwarded.header("Host")).isEqualTo("lb");
        assertThat(forwarded.header("Accept")).isEqualTo("*/*");
        assertThat(forwarded.header("X-Forwarded-Proto")).isEqualTo("http");
        assertThat(forwarded.header("X-Forwarded-Host")).isEqualTo("lb");
        assertThat(forwarded.header("X-Forwarded-For")).isEqualTo("203.0.113.7");

        reply(backend, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Canary-Pool: canary\r\nX-App: a\r\n\r\nv1");

        WireMessage response = response();
        assertThat(response.startLine()).isEqualTo("HTTP/1.1 200 OK");
        assertThat(response.header("X-Canary-Pool")).as("the backend's own is replaced").isEqualTo("stable");
        assertThat(response.header("X-App")).isEqualTo("a");
        assertThat(response.header("Connection")).isNull();
        assertThat(response.body()).isEqualTo("v1");
        assertThat(backends.released).containsExactly(backend);
        assertThat(client.isOpen()).isTrue();
    }

    @Test
    void theClientsForwardingHeadersAreExtendedOrReplaced() {
        send("GET /x HTTP/1.1\r\nHost: lb:8080\r\nX-Forwarded-For: 198.51.100.1\r\nX-Forwarded-Proto: https\r\n"
                + "X-Forwarded-Host: evil\r\n\r\n");

        WireMessage forwarded = forwarded(backends.last());
        assertThat(forwarded.header("X-Forwarded-For")).isEqualTo("198.51.100.1, 203.0.113.7");
        assertThat(forwarded.header("X-Forwarded-Proto")).isEqualTo("http");
        assertThat(forwarded.header("X-Forwarded-Host")).isEqualTo("lb:8080");
    }

    @Test
    void aPooledConnectionIsReusedForTheNextRequest() {
        exchangeOnce("/a");
        exchangeOnce("/b");

        assertThat(backends.opened).hasSize(1);
    }

    @Test
    void streamsRequestBodyPartsAsTheyArrive() {
        send("POST /upload HTTP/1.1\r\nHost: lb\r\nContent-Length: 6\r\n\r\nabc");
        EmbeddedChannel backend = backends.last();
        String first = written(backend);
        assertThat(first).startsWith("POST /upload HTTP/1.1\r\n").endsWith("\r\n\r\nabc");

        send("def");

        assertThat(written(backend)).isEqualTo("def");
        reply(backend, OK);
        assertThat(response().status()).isEqualTo(200);
    }

    @Test
    void streamsResponseBodyPartsAsTheyArrive() {
        send(get("/x"));
        EmbeddedChannel backend = backends.last();
        backend.releaseOutbound();

        reply(backend, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nabc");
        String head = answer();
        assertThat(head).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\nabc");

        reply(backend, "def");
        assertThat(answer()).isEqualTo("def");
        assertThat(backends.released).containsExactly(backend);
    }

    @Test
    void hopByHopHeadersDoNotCrossAndConnectionCannotRemoveFraming() {
        send("POST /x HTTP/1.1\r\nHost: lb\r\nContent-Length: 2\r\nConnection: keep-alive, X-Secret, Content-Length\r\n"
                + "X-Secret: hidden\r\nUpgrade: websocket\r\nKeep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\n"
                + "TE: trailers\r\n\r\nhi");

        WireMessage forwarded = forwarded(backends.last());
        assertThat(forwarded.names()).doesNotContain("x-secret", "connection", "upgrade", "keep-alive",
                "proxy-connection", "te");
        assertThat(forwarded.header("Content-Length")).isEqualTo("2");
        assertThat(forwarded.body()).isEqualTo("hi");
    }

    @Test
    void hopByHopHeadersOfTheResponseDoNotCross() {
        send(get("/x"));
        EmbeddedChannel backend = backends.last();
        backend.releaseOutbound();

        reply(backend, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive, X-Internal\r\n"
                + "X-Internal: secret\r\nKeep-Alive: timeout=5\r\nX-Kept: yes\r\n\r\nok");

        WireMessage response = response();
        assertThat(response.names()).doesNotContain("connection", "x-internal", "keep-alive");
        assertThat(response.header("X-Kept")).isEqualTo("yes");
        assertThat(response.body()).isEqualTo("ok");
    }

    @Test
    void anHttp10RequestWithoutHostIsForwardedAsHttp11WithTheReplicaAsHost() {
        send("GET /x HTTP/1.0\r\n\r\n");

        WireMessage forwarded = forwarded(backends.last());
        assertThat(forwarded.startLine()).isEqualTo("GET /x HTTP/1.1");
        assertThat(forwarded.header("Host")).isEqualTo("127.0.0.1:9001");
    }

    @Test
    void anAbsoluteFormTargetIsForwardedInOriginFormWithItsAuthorityAsHost() {
        send("GET http://lb:8080/x?q=1 HTTP/1.1\r\nHost: other\r\n\r\n");

        WireMessage forwarded = forwarded(backends.last());
        assertThat(forwarded.startLine()).isEqualTo("GET /x?q=1 HTTP/1.1");
        assertThat(forwarded.header("Host")).isEqualTo("lb:8080");
        assertThat(forwarded.header("X-Forwarded-Host")).isEqualTo("lb:8080");
    }

    @Test
    void anHttp10ClientAskingForKeepAliveKeepsItsConnection() {
        String request = "GET /x HTTP/1.0\r\nHost: lb\r\nConnection: keep-alive\r\n\r\n";
        send(request);
        EmbeddedChannel backend = backends.last();
        assertThat(forwarded(backend).header("Connection")).isNull();
        reply(backend, OK);

        WireMessage response = response();
        assertThat(response.header("Connection")).isEqualTo("keep-alive");
        assertThat(response.body()).isEqualTo("ok");
        assertThat(client.isOpen()).isTrue();
        send(request);
        assertThat(backends.opened).as("the pooled connection serves the next request").hasSize(1);
        assertThat(forwarded(backend).startLine()).isEqualTo("GET /x HTTP/1.1");
    }

    @Test
    void anHttp10ClientWithoutKeepAliveIsClosedAfterItsAnswer() {
        send("GET /x HTTP/1.0\r\nHost: lb\r\n\r\n");
        EmbeddedChannel backend = backends.last();
        backend.releaseOutbound();
        reply(backend, OK);

        assertThat(answeredThenClosed(200).body()).isEqualTo("ok");
        assertThat(backends.released).as("the backend may serve others").containsExactly(backend);
    }

    // The balancer's own answers

    @Test
    void noReplicaIsAnswered503WithoutABackendConnection() {
        send(get("/empty/x"));

        WireMessage response = response();
        assertThat(response.status()).isEqualTo(503);
        assertThat(response.body()).contains("\"route\":\"empty\"");
        assertThat(backends.opened).isEmpty();
        assertThat(client.isOpen()).isTrue();
    }

    @Test
    void theBalancersOwnAnswerToAHeadRequestHasNoBody() {
        send("HEAD /empty/x HTTP/1.1\r\nHost: lb\r\n\r\n");

        String relayed = answer();
        WireMessage response = WireMessage.response(relayed, 0, true);
        assertThat(response.status()).isEqualTo(503);
        assertThat(Integer.parseInt(response.header("Content-Length"))).as("what a GET would get").isPositive();
        assertThat(response.end()).as("nothing after the head").isEqualTo(relayed.length());
        assertThat(client.isOpen()).isTrue();
    }

    @Test
    void connectIsRefused405AndTheConnectionClosed() {
        send("CONNECT lb:443 HTTP/1.1\r\nHost: lb:443\r\n\r\n");

        answeredThenClosed(405);
        assertThat(backends.opened).isEmpty();
    }

    @Test
    void anExpectationOtherThan100ContinueIsAnswered417() {
        send("POST /x HTTP/1.1\r\nHost: lb\r\nContent-Length: 2\r\nExpect: magic\r\n\r\nhi");

        assertThat(response().status()).isEqualTo(417);
        assertThat(backends.opened).isEmpty();
    }

    @Test
    void expect100ContinueIsAnsweredByTheBalancerOnceTheBackendIsAttached() {
        send("POST /x HTTP/1.1\r\nHost: lb\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n");
        EmbeddedChannel backend = backends.last();

        assertThat(answer()).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
        send("hi");
        WireMessage forwarded = forwarded(backend);
        assertThat(forwarded.header("Expect")).as("the balancer met the expectation itself").isNull();
        assertThat(forwarded.body()).isEqualTo("hi");

        reply(backend, "HTTP/1.1 100 Continue\r\n\r\n" + OK);
        WireMessage response = response();
        assertThat(response.status()).as("the backend's own interim answer is not relayed").isEqualTo(200);
        assertThat(response.body()).isEqualTo("ok");
    }

    // Backend failures

    @Test
    void aRefusedConnectionIsAnswered502AndTheConnectionStaysUsable() {
        backends.refuseWith = new ConnectException("refused");
        send(get("/x"));

        assertThat(response().status()).isEqualTo(502);
        assertThat(client.isOpen()).isTrue();

        backends.refuseWith = null;
        exchangeOnce("/y");
    }

    @Test
    void aFailedTlsHandshakeIsAnswered502WithItsReason() {
        backends.refuseWith = new SSLHandshakeException("PKIX path building failed");
        send(get("/x"));

        WireMessage response = response();
        assertThat(response.status()).isEqualTo(502);
        assertThat(response.body()).contains("TLS handshake with the backend failed: PKIX path building failed");
    }

    @Test
    void eachConnectionIsAskedForWithItsRoutesBackendTls() {
        TestProxyContext.oneStableReplica(routes, new RouteSpec("secure", "/secure", new PoolRef("service-v1", null),
                new PoolRef("service-v2", null), RoutePolicy.defaults(), null, Upstream.http1(BackendTls.DEFAULT)));

        exchangeOnce("/secure/a");
        exchangeOnce("/plain");

        assertThat(backends.tlsAsked).containsExactly(BackendTls.DEFAULT, null);
    }

    @Test
    void aConnectTimeoutIsAnswered504() {
        backends.refuseWith = new ConnectTimeoutException("too slow");
        send(get("/x"));

        assertThat(response().status()).isEqualTo(504);
    }

    @Test
    void aBackendThatClosesBeforeAnsweringGives502() {
        send("POST /x HTTP/1.1\r\nHost: lb\r\nContent-Length: 2\r\n\r\nhi");
        EmbeddedChannel backend = backends.last();

        backend.close();

        assertThat(response().status()).isEqualTo(502);
        assertThat(backends.opened).hasSize(1); // a POST is never replayed
    }

    @Test
    void aGetOnADeadPooledConnectionIsReplayedOnAFreshOne() {
        exchangeOnce("/warm");
        EmbeddedChannel pooled = backends.last();

        send(get("/again"));
        pooled.releaseOutbound();
        pooled.close(); // the backend had closed its idle side

        EmbeddedChannel fresh = backends.last();
        assertThat(fresh).isNotSameAs(pooled);
        assertThat(forwarded(fresh).startLine()).isEqualTo("GET /again HTTP/1.1");
        reply(fresh, OK);
        assertThat(response().status()).isEqualTo(200);
    }

    @Test
    void aBackendThatDiesMidResponseClosesTheClientConnection() {
        send(get("/x"));
        EmbeddedChannel backend = backends.last();
        reply(backend, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\npart");
        assertThat(answer()).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\npart");

        backend.close();

        client.runPendingTasks();
        assertThat(client.isOpen()).isFalse();
        assertThat(answer()).as("no second status after the first").doesNotContain("HTTP/1.1");
    }

    @Test
    void aSlowBackendIsAnswered504AfterTheResponseTimeout() {
        send(get("/x"));
        EmbeddedChannel backend = backends.last();

        // A second's margin either side: the embedded loop's clock is the real one plus what a test adds.
        client.advanceTimeBy(settings.responseTimeout().toMillis() - 1000, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();
        assertThat(answer()).as("not before the timeout").isEmpty();
        client.advanceTimeBy(2000, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();

        assertThat(response().status()).isEqualTo(504);
        assertThat(backend.isOpen()).isFalse();
    }

    @Test
    void theResponseTimeoutCountsFromEachRequestNotFromTheFirst() {
        long timeout = settings.responseTimeout().toMillis();
        exchangeOnce("/first");
        client.advanceTimeBy(timeout / 2, TimeUnit.MILLISECONDS);
        send(get("/second"));
        EmbeddedChannel backend = backends.last();
        backend.releaseOutbound();

        client.advanceTimeBy(timeout / 2 + 1, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();
        assertThat(answer()).as("past the first request's deadline, not the second's").isEmpty();
        client.advanceTimeBy(timeout / 2, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();

        assertThat(response().status()).isEqualTo(504);
        assertThat(backend.isOpen()).isFalse();
    }

    @Test
    void aResponseHeadOverTheSizeLimitIsAnswered502() {
        send(get("/x"));
        EmbeddedChannel backend = backends.last();
        backend.releaseOutbound();

        reply(backend, "HTTP/1.1 200 OK\r\nX-Big: " + "a".repeat(settings.maxHeaderSize()) + "\r\n\r\n");

        assertThat(response().status()).isEqualTo(502);
        assertThat(backend.isOpen()).isFalse();
        assertThat(client.isOpen()).isTrue();
    }

    @Test
    void aBackendAskingToCloseIsNotPooled() {
        send(get("/x"));
        EmbeddedChannel backend = backends.last();

        reply(backend, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nbye");

        WireMessage response = response();
        assertThat(response.header("Connection")).isNull();
        assertThat(response.body()).isEqualTo("bye");
        assertThat(backends.released).isEmpty();
        assertThat(backend.isOpen()).isFalse();
        assertThat(client.isOpen()).isTrue();
    }

    @Test
    void anInvalidResponseIsAnswered502() {
        send(get("/x"));
        EmbeddedChannel backend = backends.last();

        reply(backend, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\nok");

        WireMessage response = response();
        assertThat(response.status()).isEqualTo(502);
        assertThat(response.body()).contains("ambiguous");
        assertThat(backend.isOpen()).isFalse();
    }

    @Test
    void bytesBeyondTheAnswerCloseTheBackendConnectionInsteadOfPoolingIt() {
        send(get("/x"));
        EmbeddedChannel backend = backends.last();

        reply(backend, OK + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstray");

        WireMessage response = response();
        assertThat(response.body()).isEqualTo("ok");
        assertThat(backend.isOpen()).isFalse();
        assertThat(client.isOpen()).isTrue();
        send(get("/next"));
        assertThat(backends.opened).as("the next request gets a fresh connection").hasSize(2);
        assertThat(forwarded(backends.last()).startLine()).isEqualTo("GET /next HTTP/1.1");
    }

    @Test
    void bytesAPooledConnectionReceivesCloseIt() {
        exchangeOnce("/x");
        EmbeddedChannel pooled = backends.last();
        assertThat(backends.released).containsExactly(pooled);

        reply(pooled, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstray");

        assertThat(pooled.isOpen()).isFalse();
        assertThat(answer()).isEmpty();
        exchangeOnce("/y");
        assertThat(backends.opened).hasSize(2);
    }

    // Connection cap

    @Test
    void aReplicaFoundFullWhenItsPlaceIsReservedIsPassedOverForOneWithRoom() {
        InetSocketAddress first = new InetSocketAddress("127.0.0.1", 9001);
        InetSocketAddress second = new InetSocketAddress("127.0.0.1", 9002);
        twoStableReplicas();
        // Another event loop took the last place of the first replica between a pick and its reservation.
        backends.full.add(first);

        for (String path : List.of("/a", "/b")) {
            send(get(path));
            EmbeddedChannel backend = backends.last();
            assertThat(forwarded(backend).startLine()).isEqualTo("GET " + path + " HTTP/1.1");
            reply(backend, OK);
            assertThat(response().status()).isEqualTo(200);
        }
        assertThat(backends.addresses).containsExactly(second);

        backends.full.add(second);
        send(get("/c"));
        WireMessage refused = response();
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.body()).contains("backendConnections");
        assertThat(backends.addresses).as("no connection opened at the cap").containsExactly(second);
    }

    private void twoStableReplicas() {
        routes.set(TableBuilder.build(List.of(new RouteSpec("message", "/", new PoolRef("service-v1", null),
                new PoolRef("service-v2", null), RoutePolicy.defaults())), new Catalog(Map.of("service-v1", List.of(
                new ServiceInstance("s1", "127.0.0.1", 9001, List.of(), 1),
                new ServiceInstance("s2", "127.0.0.1", 9002, List.of(), 1))))));
    }

    // Response framing

    @Test
    void aResponseSplitAcrossManyReadsIsRelayedWhole() {
        send(get("/x"));
        EmbeddedChannel backend = backends.last();
        backend.releaseOutbound();
        String raw = "HTTP/1.1 200 OK\r\nContent-Length: 11\r\nX-App: a\r\n\r\nhello world";

        StringBuilder relayed = new StringBuilder();
        for (int i = 0; i < raw.length(); i++) {
            reply(backend, raw.substring(i, i + 1));
            relayed.append(answer());
        }

        WireMessage response = WireMessage.onlyResponse(relayed.toString());
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.header("X-App")).isEqualTo("a");
        assertThat(response.body()).isEqualTo("hello world");
        assertThat(backends.released).containsExactly(backend);
    }

    @Test
    void aChunkedResponseSplitAcrossManyReadsKeepsItsFramingWithoutExtensions() {
        send(get("/x"));
        EmbeddedChannel backend = backends.last();
        backend.releaseOutbound();
        String raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=\"v\"\r\nhello\r\n6\r\n world\r\n"
                + "0\r\nX-Checksum: 42\r\n\r\n";

        StringBuilder relayed = new StringBuilder();
        for (int i = 0; i < raw.length(); i++) {
            reply(backend, raw.substring(i, i + 1));
            relayed.append(answer());
        }

        WireMessage response = WireMessage.onlyResponse(relayed.toString());
        assertThat(response.chunked()).isTrue();
        assertThat(response.wireBody()).isEqualTo("5\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: 42\r\n\r\n");
        assertThat(response.body()).isEqualTo("hello world");
        assertThat(backends.released).containsExactly(backend);
        assertThat(client.isOpen()).isTrue();
    }

    @Test
    void aChunkedResponseReachesAnHttp10ClientDechunkedAndTheConnectionClosesAfter() {
        send("GET /x HTTP/1.0\r\nHost: lb\r\nConnection: keep-alive\r\n\r\n");
        EmbeddedChannel backend = backends.last();
        backend.releaseOutbound();

        reply(backend, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");

        String relayed = answer();
        WireMessage response = WireMessage.onlyResponse(relayed);
        assertThat(response.header("Transfer-Encoding")).isNull();
        assertThat(response.header("Content-Length")).isNull();
        assertThat(response.header("Connection")).isEqualTo("close");
        assertThat(response.body()).as("delimited by the close").isEqualTo("hello world");
        client.runPendingTasks();
        assertThat(client.isOpen()).isFalse();
        assertThat(backends.released).as("the backend's framing was intact").containsExactly(backend);
    }

    @Test
    void aCloseDelimitedResponseReachesAnHttp11ClientChunked() {
        send(get("/x"));
        EmbeddedChannel backend = backends.last();
        backend.releaseOutbound();

        reply(backend, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhello");
        reply(backend, " world");
        backend.close();

        WireMessage response = WireMessage.onlyResponse(answer());
        assertThat(response.chunked()).isTrue();
        assertThat(response.header("Connection")).isNull();
        assertThat(response.body()).isEqualTo("hello world");
        assertThat(client.isOpen()).as("the chunked answer ended; the client's connection goes on").isTrue();
        assertThat(backends.released).isEmpty();
        exchangeOnce("/next");
    }

    @Test
    void aHeadResponsesDeclaredLengthIsNotFollowedByABody() {
        send("HEAD /x HTTP/1.1\r\nHost: lb\r\n\r\n");
        EmbeddedChannel backend = backends.last();
        assertThat(forwarded(backend).startLine()).isEqualTo("HEAD /x HTTP/1.1");

        reply(backend, "HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n");

        String relayed = answer();
        WireMessage response = WireMessage.response(relayed, 0, true);
        assertThat(response.header("Content-Length")).isEqualTo("42");
        assertThat(response.end()).as("nothing after the head").isEqualTo(relayed.length());
        assertThat(backends.released).containsExactly(backend);
        exchangeOnce("/next");
        assertThat(backends.opened).hasSize(1);
    }

    @Test
    void aBodyAfterAHeadResponseClosesTheBackendConnection() {
        send("HEAD /x HTTP/1.1\r\nHost: lb\r\n\r\n");
        EmbeddedChannel backend = backends.last();
        backend.releaseOutbound();

        reply(backend, OK);

        String relayed = answer();
        assertThat(WireMessage.response(relayed, 0, true).end()).as("the head only").isEqualTo(relayed.length());
        assertThat(backend.isOpen()).isFalse();
        assertThat(client.isOpen()).isTrue();
    }

    @Test
    void anInterim100ContinueFromTheBackendIsSkipped() {
        send(get("/x"));
        EmbeddedChannel backend = backends.last();
        backend.releaseOutbound();

        reply(backend, "HTTP/1.1 100 Continue\r\n\r\n");
        assertThat(answer()).isEmpty();
        reply(backend, "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n" + OK);

        WireMessage response = response();
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("ok");
        assertThat(backends.released).containsExactly(backend);
    }

    @Test
    void a204AndA304HaveNoBodyWhateverTheyDeclare() {
        send(get("/a"));
        EmbeddedChannel backend = backends.last();
        backend.releaseOutbound();
        reply(backend, "HTTP/1.1 204 No Content\r\n\r\n");
        assertThat(response().status()).isEqualTo(204);

        send(get("/b"));
        backend.releaseOutbound();
        reply(backend, "HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n");
        String relayed = answer();
        assertThat(WireMessage.response(relayed, 0, false).end()).isEqualTo(relayed.length());
        assertThat(backends.opened).hasSize(1);
    }

    // Client connection management

    @Test
    void pipelinedRequestsWaitForTheCurrentExchange() {
        send(get("/first") + get("/second"));
        EmbeddedChannel backend = backends.last();
        assertThat(forwarded(backend).startLine()).as("only the first; the second waits")
                .isEqualTo("GET /first HTTP/1.1");

        reply(backend, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1");

        // The answer ended exactly where the read did: the connection went back to the pool at once
        // and the second request, taken up then, reuses it.
        EmbeddedChannel next = backends.last();
        assertThat(next).isSameAs(backend);
        assertThat(backends.opened).hasSize(1);
        assertThat(forwarded(next).startLine()).isEqualTo("GET /second HTTP/1.1");
        assertThat(backends.released).containsExactly(backend);
        reply(next, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n2");
        List<WireMessage> responses = WireMessage.responses(answer());
        assertThat(responses).extracting(WireMessage::body).containsExactly("1", "2");
    }

    @Test
    void aRequestPipelinedBehindABodyWaitsAndTheBodyEndsWhereItsLengthSays() {
        send("POST /a HTTP/1.1\r\nHost: lb\r\nContent-Length: 2\r\n\r\nhi" + get("/b"));
        EmbeddedChannel backend = backends.last();
        WireMessage first = forwarded(backend);
        assertThat(first.startLine()).isEqualTo("POST /a HTTP/1.1");
        assertThat(first.body()).isEqualTo("hi");

        reply(backend, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");

        EmbeddedChannel next = backends.last();
        assertThat(forwarded(next).startLine()).isEqualTo("GET /b HTTP/1.1");
        reply(next, OK);
        assertThat(WireMessage.responses(answer())).extracting(WireMessage::status).containsExactly(201, 200);
    }

    @Test
    void aRequestHeadSplitOverSeveralReadsIsForwardedOnceComplete() {
        send("GE");
        send("T /spl");
        send("it HTTP/1.1\r\nHo");
        send("st: lb\r");
        assertThat(backends.opened).isEmpty();

        send("\n\r\n");

        WireMessage forwarded = forwarded(backends.last());
        assertThat(forwarded.startLine()).isEqualTo("GET /split HTTP/1.1");
        assertThat(forwarded.header("Host")).isEqualTo("lb");
    }

    @Test
    void aMalformedRequestIsAnswered400AndTheConnectionClosed() {
        send("GET /x HTTP/1.1\r\nHost: lb\r\nBad Header: x\r\n\r\n");

        answeredThenClosed(400);
        assertThat(backends.opened).isEmpty();
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
    void theClientLeavingClosesTheBackendConnection() {
        send(get("/x"));
        EmbeddedChannel backend = backends.last();

        client.close();

        assertThat(backend.isOpen()).isFalse();
    }

    @Test
    void aRequestHeadThatTakesTooLongIsAnswered408CountingFromItsFirstByte() {
        long headTimeout = settings.requestHeadTimeout().toMillis();
        send("GET /x HT");
        client.advanceTimeBy(headTimeout - 1000, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();
        send("TP/1.1\r\n"); // a later byte does not move the deadline
        assertThat(answer()).isEmpty();

        client.advanceTimeBy(1001, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();

        answeredThenClosed(408);
        assertThat(backends.opened).isEmpty();
    }

    /** Bytes that may still become the HTTP/2 preface are a head under way: they do not hold the connection forever. */
    @Test
    void aPrefaceSentInPiecesThatStopsIsAnswered408AfterTheHeadTimeout() {
        long headTimeout = settings.requestHeadTimeout().toMillis();
        send("PRI * HTTP/2.0\r\n");
        client.advanceTimeBy(headTimeout - 1000, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();
        send("\r\n"); // still the preface so far; a later piece does not move the deadline
        assertThat(answer()).isEmpty();
        assertThat(client.isOpen()).isTrue();

        client.advanceTimeBy(1001, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();

        answeredThenClosed(408);
        assertThat(backends.opened).isEmpty();
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedAfterTheClientIdleTimeout() {
        long idle = settings.clientIdleTimeout().toMillis();
        client.advanceTimeBy(idle / 2, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();
        exchangeOnce("/x"); // idle from here on

        // A second's margin either side: the embedded loop's clock is the real one plus what a test adds.
        client.advanceTimeBy(idle - 1000, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();
        assertThat(client.isOpen()).as("idle counts from the end of the last exchange").isTrue();

        client.advanceTimeBy(2000, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();
        assertThat(client.isOpen()).isFalse();
        assertThat(answer()).as("an idle connection is closed without an answer").isEmpty();
    }

    @Test
    void drainingLetsTheExchangeInFlightFinishWithConnectionClose() {
        send(get("/x"));
        EmbeddedChannel backend = backends.last();
        backend.releaseOutbound();

        client.pipeline().fireUserEventTriggered(Drain.INSTANCE);
        assertThat(client.isOpen()).isTrue();
        reply(backend, OK);

        assertThat(answeredThenClosed(200).body()).isEqualTo("ok");
    }

    @Test
    void drainingClosesAnIdleConnectionAtOnce() {
        exchangeOnce("/x");

        client.pipeline().fireUserEventTriggered(Drain.INSTANCE);

        client.runPendingTasks();
        assertThat(client.isOpen()).isFalse();
        assertThat(answer()).isEmpty();
    }

    @Test
    void aHalfClosedClientIsAnsweredThenClosed() {
        send(get("/x"));
        EmbeddedChannel backend = backends.last();
        backend.releaseOutbound();

        client.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        reply(backend, OK);

        assertThat(response().body()).isEqualTo("ok");
        client.runPendingTasks();
        assertThat(client.isOpen()).isFalse();
    }

    // Request bodies: answers and stalls

    @Test
    void anAnswerBeforeTheWholeBodyDiscardsTheRestAndDoesNotPoolTheBackend() {
        send("POST /upload HTTP/1.1\r\nHost: lb\r\nContent-Length: 6\r\n\r\nabc");
        EmbeddedChannel backend = backends.last();
        backend.releaseOutbound();

        reply(backend, "HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\n\r\n");
        assertThat(response().status()).isEqualTo(413);
        send("def");

        assertThat(written(backend)).as("the rest of the body goes nowhere").isEmpty();
        assertThat(backend.isOpen()).as("it did not read the whole request").isFalse();
        assertThat(backends.released).isEmpty();
        assertThat(client.isOpen()).isTrue();
        exchangeOnce("/next");
        assertThat(backends.opened).hasSize(2);
    }

    @Test
    void aRequestBodyThatStallsIsAnswered408() {
        long stall = settings.stallTimeout().toMillis();
        send("POST /upload HTTP/1.1\r\nHost: lb\r\nContent-Length: 6\r\n\r\nabc");
        EmbeddedChannel backend = backends.last();
        backend.releaseOutbound();

        client.advanceTimeBy(stall + 1, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();
        assertThat(answer()).as("a part moved in the first period").isEmpty();
        client.advanceTimeBy(stall, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();

        answeredThenClosed(408);
        assertThat(backend.isOpen()).isFalse();
    }

    // Request bodies: framing errors

    @Test
    void aBrokenChunkInTheSameReadAsItsHeadIsAnswered400AndNeverFlushedToTheBackend() {
        send("POST /upload HTTP/1.1\r\nHost: lb\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n");

        assertThat(backends.opened).hasSize(1); // the head started an exchange ...
        assertThat(answeredThenClosed(400).body()).contains("malformed request body");
        EmbeddedChannel backend = backends.last();
        assertThat(backend.outboundMessages()).as("nothing was flushed to the backend").isEmpty();
        assertThat(backend.isOpen()).as("the exchange was aborted").isFalse();
    }

    @Test
    void aBrokenChunkAfterTheResponseStartedClosesWithoutAStatus() {
        send("POST /upload HTTP/1.1\r\nHost: lb\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
        EmbeddedChannel backend = backends.last();
        backend.releaseOutbound();
        reply(backend, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n");
        assertThat(answer()).startsWith("HTTP/1.1 200 OK");

        send("3\r\nabcXX");

        client.runPendingTasks();
        assertThat(answer()).as("no status after the one under way").doesNotContain("HTTP/1.1");
        assertThat(client.isOpen()).isFalse();
        assertThat(backend.outboundMessages()).as("nothing of the bad part was flushed").isEmpty();
        assertThat(backend.isOpen()).isFalse();
    }

    @Test
    void aBrokenChunkBeforeAnyAnswerIsAnswered400EvenInALaterRead() {
        send("POST /upload HTTP/1.1\r\nHost: lb\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
        EmbeddedChannel backend = backends.last();
        backend.releaseOutbound();

        send("3\r\nabcXX");

        answeredThenClosed(400);
        assertThat(backend.outboundMessages()).as("nothing of the bad part was flushed").isEmpty();
        assertThat(backend.isOpen()).isFalse();
    }

    @Test
    void aWellFormedChunkedRequestPassesThroughWithoutItsExtensions() {
        send("POST /upload HTTP/1.1\r\nHost: lb\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\n\r\n");

        EmbeddedChannel backend = backends.last();
        WireMessage forwarded = forwarded(backend);
        assertThat(forwarded.startLine()).isEqualTo("POST /upload HTTP/1.1");
        assertThat(forwarded.header("Transfer-Encoding")).isEqualTo("chunked");
        assertThat(forwarded.wireBody()).isEqualTo("3\r\nabc\r\n0\r\n\r\n");
        reply(backend, OK);

        assertThat(response().body()).isEqualTo("ok");
        assertThat(client.isOpen()).isTrue();
    }

    @Test
    void aChunkedRequestBodySplitAcrossReadsIsForwardedAsItArrives() {
        String body = "3\r\nabc\r\n4;ext\r\ndefg\r\n0\r\nX-T: 1\r\n\r\n";
        send("POST /upload HTTP/1.1\r\nHost: lb\r\nTransfer-Encoding: chunked\r\n\r\n");
        EmbeddedChannel backend = backends.last();
        StringBuilder forwarded = new StringBuilder(written(backend));

        for (int i = 0; i < body.length(); i++) {
            send(body.substring(i, i + 1));
            forwarded.append(written(backend));
        }

        WireMessage request = WireMessage.onlyRequest(forwarded.toString());
        assertThat(request.body()).isEqualTo("abcdefg");
        assertThat(request.wireBody()).isEqualTo("3\r\nabc\r\n4\r\ndefg\r\n0\r\nX-T: 1\r\n\r\n");
        reply(backend, OK);
        assertThat(response().status()).isEqualTo(200);
    }

    // Upgrades and tunnels

    private static final String UPGRADE = "GET /chat HTTP/1.1\r\nHost: lb\r\nConnection: keep-alive, Upgrade\r\n"
            + "Upgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    private static final String SWITCHED = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

    @Test
    void anUpgradeRequestIsForwardedWithItsUpgradeAndConnectionUpgrade() {
        send(UPGRADE);

        WireMessage forwarded = forwarded(backends.last());
        assertThat(forwarded.header("Upgrade")).isEqualTo("websocket");
        assertThat(forwarded.header("Connection")).isEqualTo("upgrade");
        assertThat(forwarded.header("Sec-WebSocket-Key")).isEqualTo("dGhlIHNhbXBsZSBub25jZQ==");
    }

    @Test
    void aSwitchTurnsBothConnectionsIntoATunnelThatRelaysBytesAsTheyAre() {
        send(UPGRADE);
        EmbeddedChannel backend = backends.last();
        backend.releaseOutbound();

        reply(backend, SWITCHED + "\u0081\u0002hi");

        String answer = answer();
        WireMessage switched = WireMessage.onlyResponse(answer.substring(0, answer.indexOf("\r\n\r\n") + 4));
        assertThat(switched.status()).isEqualTo(101);
        assertThat(switched.header("Upgrade")).isEqualTo("websocket");
        assertThat(switched.header("Connection")).isEqualTo("upgrade");
        assertThat(switched.header("Sec-WebSocket-Accept")).isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        assertThat(switched.header("X-Canary-Pool")).isEqualTo("stable");
        assertThat(answer).endsWith("\r\n\r\n\u0081\u0002hi");

        send("GET /not-a-request HTTP/1.1\r\n\r\n\u0000\u00ff");
        assertThat(written(backend)).as("nothing the client sends is read as HTTP any more")
                .isEqualTo("GET /not-a-request HTTP/1.1\r\n\r\n\u0000\u00ff");
        reply(backend, "HTTP/1.1 200 OK\r\n\r\n");
        assertThat(answer()).isEqualTo("HTTP/1.1 200 OK\r\n\r\n");
        assertThat(backends.opened.size()).as("one backend connection, and no other").isEqualTo(1);
    }

    @Test
    void whatTheClientSentBeforeTheSwitchGoesFirstThroughTheTunnel() {
        send(UPGRADE + "early");
        EmbeddedChannel backend = backends.last();
        assertThat(forwarded(backend).header("Upgrade")).isEqualTo("websocket");

        reply(backend, SWITCHED);

        assertThat(written(backend)).isEqualTo("early");
        assertThat(WireMessage.onlyResponse(answer()).status()).isEqualTo(101);
    }

    @Test
    void anUpgradeAnsweredWithoutASwitchIsAnOrdinaryExchange() {
        send(UPGRADE);
        EmbeddedChannel backend = backends.last();
        backend.releaseOutbound();
        reply(backend, "HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\nno");

        WireMessage response = response();
        assertThat(response.status()).isEqualTo(403);
        assertThat(response.body()).isEqualTo("no");
        exchangeOnce("/x"); // the connection still speaks HTTP/1.1
    }

    @Test
    void anUpgradeToAProtocolNotListedIsDroppedAndAnsweredAsHttp11() {
        send("GET / HTTP/1.1\r\nHost: lb\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                + "HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n");

        WireMessage forwarded = forwarded(backends.last());
        assertThat(forwarded.header("Upgrade")).isNull();
        assertThat(forwarded.header("Connection")).isNull();
        assertThat(forwarded.header("HTTP2-Settings")).isNull();
    }

    @ParameterizedTest(name = "the 101''s fields: [{0}]")
    @ValueSource(strings = {"", "Upgrade: h2c\r\n", "Upgrade: websocket\r\nUpgrade: websocket\r\n"})
    void aSwitchToNoneOrAnotherProtocolIsAnswered502(String upgrade) {
        send(UPGRADE);
        EmbeddedChannel backend = backends.last();
        backend.releaseOutbound();

        reply(backend, "HTTP/1.1 101 Switching Protocols\r\n" + upgrade + "Connection: Upgrade\r\n\r\n");

        assertThat(response().status()).isEqualTo(502);
        assertThat(backend.isOpen()).isFalse();
    }

    @Test
    void aSwitchNobodyAskedForIsAnswered502() {
        send(get("/x"));
        EmbeddedChannel backend = backends.last();
        backend.releaseOutbound();

        reply(backend, SWITCHED);

        assertThat(response().status()).isEqualTo(502);
        assertThat(backend.isOpen()).isFalse();
    }

    @Test
    void anUpgradeIsSentOnAFreshConnectionAndNeverAgainAfterTheBackendClosed() {
        routes.set(TableBuilder.build(List.of(new RouteSpec("message", "/", new PoolRef("service-v1", null),
                new PoolRef("service-v2", null), RoutePolicy.defaults())), new Catalog(Map.of("service-v1", List.of(
                new ServiceInstance("s1", "127.0.0.1", 9001, List.of(), 1),
                new ServiceInstance("s2", "127.0.0.1", 9002, List.of(), 1)))))); // another replica to retry on
        exchangeOnce("/x"); // leaves a pooled connection behind
        send(UPGRADE);
        assertThat(backends.opened.size()).as("the pooled connection is not used for an upgrade").isEqualTo(2);
        EmbeddedChannel backend = backends.last();
        backend.releaseOutbound();

        backend.close();

        assertThat(response().status()).isEqualTo(502);
        assertThat(backends.opened.size()).as("not sent again, to this replica or the other").isEqualTo(2);
    }

    @Test
    void theBackendClosingTheTunnelClosesTheClientAndTheOtherWayRound() {
        EmbeddedChannel backend = openTunnel();

        backend.close();
        client.runPendingTasks();
        assertThat(client.isOpen()).isFalse();

        client.finishAndReleaseAll();
        start(); // a second client
        EmbeddedChannel second = openTunnel();
        client.close();
        second.runPendingTasks();
        assertThat(second.isOpen()).isFalse();
    }

    @Test
    void aClientThatStopsReadingIsClosedAfterTheStallTimeoutOnceTheBackendClosedTheTunnel() {
        EmbeddedChannel backend = openTunnel();
        client.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                ReferenceCountUtil.release(msg); // a client that reads nothing: no write ever completes
            }
        });

        reply(backend, "last words");
        backend.close();
        client.runPendingTasks();
        assertThat(client.isOpen()).as("its writes still pending").isTrue();

        client.advanceTimeBy(settings.stallTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    void aClientThatShutItsSideBeforeTheSwitchHasTheBackendConnectionShutToo() {
        send(UPGRADE);
        EmbeddedChannel backend = backends.last();
        backend.releaseOutbound();
        client.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);

        reply(backend, SWITCHED);

        backend.runPendingTasks();
        assertThat(backend.isOpen()).as("an embedded backend cannot half-close, so it closes").isFalse();
    }

    @Test
    void anIdleTunnelIsClosedAfterTheTunnelIdleTimeoutNotTheClientIdleOne() {
        EmbeddedChannel backend = openTunnel();

        client.advanceTimeBy(settings.clientIdleTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();
        assertThat(client.isOpen()).as("the client idle timeout is not the tunnel's").isTrue();
        send("ping");
        assertThat(written(backend)).isEqualTo("ping");

        client.advanceTimeBy(settings.tunnelIdleTimeout().toMillis() - 1000, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();
        assertThat(client.isOpen()).as("idle counts from the last bytes").isTrue();

        client.advanceTimeBy(settings.clientIdleTimeout().toMillis() + 2000, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();
        assertThat(client.isOpen()).isFalse();
        assertThat(backend.isOpen()).isFalse();
    }

    @Test
    void drainingLeavesAnOpenTunnelAndRefusesANewUpgradeWith503() {
        EmbeddedChannel backend = openTunnel();

        client.pipeline().fireUserEventTriggered(Drain.INSTANCE);
        client.runPendingTasks();
        assertThat(client.isOpen()).isTrue();
        send("still flowing");
        assertThat(written(backend)).isEqualTo("still flowing");

        client.finishAndReleaseAll();
        start(); // a second client, whose upgrade request is under way when the drain starts
        int half = UPGRADE.length() / 2;
        send(UPGRADE.substring(0, half));
        client.pipeline().fireUserEventTriggered(Drain.INSTANCE);
        send(UPGRADE.substring(half));
        assertThat(answeredThenClosed(503).body()).contains("shutting down");
    }

    // State moves

    /**
     * The exchange takes only the moves its states allow ({@link RequestState}, {@link ResponseState})
     * along each path a request can take: a rule made too strict, or a path that moves a state
     * back, is counted by {@link IllegalMoves} and fails here.
     */
    @Nested
    class StateMoves {
        long illegalBefore;

        @BeforeEach
        void count() {
            illegalBefore = IllegalMoves.count();
        }

        @AfterEach
        void noIllegalMove() {
            assertThat(IllegalMoves.count()).as("illegal state moves (see the log)").isEqualTo(illegalBefore);
        }

        @Test
        void keepAliveRequestsStartTheirStatesOverEachTime() {
            exchangeOnce("/a");
            exchangeOnce("/b");
            exchangeOnce("/c");

            assertThat(backends.opened).hasSize(1);
        }

        @Test
        void anAnswerThatStreamsWhileTheBodyStillComesEndsCleanly() {
            send("POST /upload HTTP/1.1\r\nHost: lb\r\nContent-Length: 6\r\n\r\nabc");
            EmbeddedChannel backend = backends.last();
            backend.releaseOutbound();
            reply(backend, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndo");
            send("def");
            reply(backend, "ne");

            assertThat(response().body()).isEqualTo("done");
            assertThat(backends.released).containsExactly(backend);
        }

        @Test
        void anAnswerBeforeTheWholeBodyDiscardsTheRest() {
            send("POST /upload HTTP/1.1\r\nHost: lb\r\nContent-Length: 6\r\n\r\nabc");
            EmbeddedChannel backend = backends.last();
            backend.releaseOutbound();
            reply(backend, "HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\n\r\n");
            send("def");

            assertThat(response().status()).isEqualTo(413);
            assertThat(backends.released).isEmpty();
        }

        @Test
        void aSecondAnswerToOneRequestIsNotRelayedAndTheNextRequestIsServed() {
            send("POST /upload HTTP/1.1\r\nHost: lb\r\nContent-Length: 6\r\n\r\nabc");
            EmbeddedChannel backend = backends.last();
            backend.releaseOutbound();
            // A broken backend: an early answer, and in the same read a second one nobody asked for.
            reply(backend, "HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\n\r\n"
                    + "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\npart");

            assertThat(response().status()).as("only the answer to the request").isEqualTo(413);
            assertThat(backend.isOpen()).as("a connection that answers unasked is not trusted").isFalse();
            send("def");
            send(get("/next"));
            EmbeddedChannel next = backends.last();
            assertThat(next).isNotSameAs(backend);
            assertThat(forwarded(next).startLine()).isEqualTo("GET /next HTTP/1.1");
            reply(next, OK);
            assertThat(response().status()).isEqualTo(200);
        }

        @Test
        void theBalancersOwnAnswerWhileTheBodyIsPending() {
            send("POST /x HTTP/1.1\r\nHost: lb\r\nContent-Length: 6\r\n\r\nabc");
            EmbeddedChannel backend = backends.last();
            backend.releaseOutbound();

            backend.close(); // before answering: a POST is not sent again

            assertThat(response().status()).isEqualTo(502);
        }

        @Test
        void theBalancersOwnAnswerToABodilessRequest() {
            backends.refuseWith = new ConnectException("refused");

            send(get("/x"));

            assertThat(response().status()).isEqualTo(502);
        }

        @Test
        void aBackendThatDiesMidAnswer() {
            send(get("/x"));
            EmbeddedChannel backend = backends.last();
            backend.releaseOutbound();
            reply(backend, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\npart");

            backend.close();
            client.runPendingTasks();

            assertThat(client.isOpen()).isFalse();
        }

        @Test
        void aReplayOnAFreshConnectionAfterAPooledOneClosed() {
            exchangeOnce("/warm");
            EmbeddedChannel pooled = backends.last();
            send(get("/again"));
            pooled.releaseOutbound();

            pooled.close();
            EmbeddedChannel fresh = backends.last();
            fresh.releaseOutbound();
            reply(fresh, OK);

            assertThat(fresh).isNotSameAs(pooled);
            assertThat(response().status()).isEqualTo(200);
        }

        @Test
        void aSwitchOfProtocols() {
            openTunnel();
        }

        @Test
        void theClientLeavingMidAnswer() {
            send(get("/x"));
            EmbeddedChannel backend = backends.last();
            backend.releaseOutbound();
            reply(backend, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\npart");

            client.close();

            assertThat(backend.isOpen()).isFalse();
        }
    }

    // Helpers

    /** The client's WebSocket handshake, switched by the backend; returns the backend connection of the tunnel. */
    private EmbeddedChannel openTunnel() {
        send(UPGRADE);
        EmbeddedChannel backend = backends.last();
        backend.releaseOutbound();
        reply(backend, SWITCHED);
        assertThat(WireMessage.onlyResponse(answer()).status()).isEqualTo(101);
        return backend;
    }

    private void exchangeOnce(String path) {
        send(get(path));
        EmbeddedChannel backend = backends.last();
        assertThat(forwarded(backend).startLine()).isEqualTo("GET " + path + " HTTP/1.1");
        reply(backend, OK);
        WireMessage response = response();
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("ok");
    }

    /** The client got one answer, of this status, saying the connection closes; then it did close. */
    private WireMessage answeredThenClosed(int status) {
        WireMessage response = response();
        assertThat(response.status()).isEqualTo(status);
        assertThat(response.header("Connection")).isEqualTo("close");
        client.runPendingTasks();
        assertThat(client.isOpen()).isFalse();
        return response;
    }

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: lb\r\n\r\n";
    }

    /** The client sends these bytes, in one read. */
    private void send(String raw) {
        client.writeInbound(bytes(raw));
    }

    /** The backend sends these bytes, in one read. */
    private void reply(EmbeddedChannel backend, String raw) {
        backend.writeInbound(bytes(raw));
    }

    private ByteBuf bytes(String raw) {
        ByteBuf buffer = Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1);
        created.add(buffer);
        return buffer;
    }

    /** The one request the backend was sent since the last look. */
    private static WireMessage forwarded(EmbeddedChannel backend) {
        return WireMessage.onlyRequest(written(backend));
    }

    /** The one response the client was sent since the last look. */
    private WireMessage response() {
        return WireMessage.onlyResponse(answer());
    }

    /** Everything the client was sent since the last look. */
    private String answer() {
        return written(client);
    }

    /** Everything written to {@code channel} since the last look, as text; the buffers are released. */
    private static String written(EmbeddedChannel channel) {
        StringBuilder text = new StringBuilder();
        for (Object message; (message = channel.readOutbound()) != null; ) {
            ByteBuf buffer = (ByteBuf) message;
            text.append(buffer.toString(StandardCharsets.ISO_8859_1));
            buffer.release();
        }
        return text.toString();
    }

    /** A client connection from {@link #CLIENT}. */
    private static final class ClientChannel extends EmbeddedChannel {
        ClientChannel(ChannelHandler handler) {
            super(handler);
        }

        @Override
        protected SocketAddress remoteAddress0() {
            return isActive() ? CLIENT : null;
        }
    }
}
