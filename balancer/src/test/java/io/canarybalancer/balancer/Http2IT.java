package io.canarybalancer.balancer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.canarybalancer.balancer.admin.PrometheusText;
import io.canarybalancer.balancer.route.StickyRule;
import io.canarybalancer.balancer.tls.TestCertificates;
import io.canarybalancer.testsupport.Http;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * HTTP/2 through the real jar: cleartext with prior knowledge on the plain listener and h2 by ALPN on a
 * TLS listener, from a frame-level client ({@link RawH2}), the JDK's client and curl; the split, the
 * header flag and stickiness per stream over one multiplexed connection; HTTP/2 clients to HTTP/1.1
 * replicas ({@link TestBackend}) and HTTP/1.1 clients to HTTP/2 replicas ({@link H2Backend}, route
 * {@code backendProtocol: h2c}); flow control, resets both ways, {@code Upgrade: h2c} refused, and
 * GOAWAY on drain. The limits and attacks are in {@link Http2AttacksIT}.
 */
class Http2IT {
    private static final Path CURL = Path.of("/usr/bin/curl");
    private static final int MEGABYTE = 1024 * 1024;

    @TempDir
    static Path dir;
    static TestCertificates certificates;
    static final List<TestBackend> stable = new ArrayList<>();
    static TestBackend canary;
    static H2Backend h2;
    /** Two replicas of route {@code shed}: the first refuses every stream (REFUSED_STREAM), the second takes them. */
    static H2Backend refuser;
    static H2Backend taker;
    static SilentBackend silent;
    static Path config;
    static BalancerProcess balancer;
    static int port;
    static int tlsPort;

    @BeforeAll
    static void start() throws Exception {
        certificates = new TestCertificates();
        certificates.write(TestCertificates.leaf("localhost", "localhost"), dir.resolve("server.pem"),
                dir.resolve("server-key.pem"));
        for (int i = 1; i <= 3; i++) {
            stable.add(new TestBackend("stable-" + i));
        }
        canary = new TestBackend("canary-1");
        h2 = new H2Backend("h2-1");
        refuser = new H2Backend("refuser-1");
        refuser.refuseStreams();
        taker = new H2Backend("taker-1");
        silent = new SilentBackend();
        String replicas = TestConfigs.replicas(stable, List.of(canary))
                + "h2-v1:\n" + h2.replica() + "h2-v2: []\n"
                + "shed-v1:\n" + refuser.replica() + taker.replica() + "shed-v2: []\n"
                + "silent-v1:\n  - {address: 127.0.0.1, port: " + silent.port() + ", id: silent-1}\nsilent-v2: []\n";
        config = TestConfigs.config(dir, replicas, """
                routes:
                  - {name: split, pathPrefix: /}
                  - name: users
                    pathPrefix: /users
                    strategy: weight
                    weight: 50
                    sticky: {header: X-User-Id}
                  - {name: h2, pathPrefix: /h2, backendProtocol: h2c, stable: {service: h2-v1}, canary: {service: h2-v2}}
                  - {name: shed, pathPrefix: /shed, backendProtocol: h2c, stable: {service: shed-v1}, canary: {service: shed-v2}}
                  - {name: silent, pathPrefix: /silent, stable: {service: silent-v1}, canary: {service: silent-v2}}
                  - name: mute
                    pathPrefix: /mute
                    backendProtocol: h2c
                    stable: {service: silent-v1}
                    canary: {service: silent-v2}
                timeouts: {connect: 1s, response: 60s}
                """);
        TestConfigs.listen(config, """
                listen:
                  - 127.0.0.1:0
                  - address: 127.0.0.1:0
                    tls: {cert: server.pem, key: server-key.pem}
                """);
        balancer = BalancerProcess.start(config);
        port = balancer.port(0);
        tlsPort = balancer.port(1);
    }

    @AfterAll
    static void stop() throws IOException {
        if (balancer != null) {
            balancer.close();
        }
        stable.forEach(TestBackend::close);
        if (canary != null) {
            canary.close();
        }
        for (H2Backend backend : new H2Backend[] {h2, refuser, taker}) {
            if (backend != null) {
                backend.close();
            }
        }
        if (silent != null) {
            silent.close();
        }
    }

    // ---- clients and protocols

    @Test
    void priorKnowledgeOnThePlainPortIsAnsweredPerStreamWithThePool() throws Exception {
        try (RawH2 client = RawH2.connect(port)) {
            RawH2.Stream stream = client.get("/version").await();

            assertThat(stream.status()).isEqualTo(200);
            assertThat(stream.pool()).isIn("stable", "canary");
            assertThat(stream.bodyText()).matches("stable-[123]|canary-1");
            assertThat(stream.header("x-replica")).isEqualTo(stream.bodyText());
            assertThat(client.serverSettings()).containsEntry(RawH2.SETTINGS_MAX_CONCURRENT_STREAMS, 100L);
        }
    }

    @Test
    void curlWithPriorKnowledgeSpeaksHttp2() throws Exception {
        assumeCurlHasHttp2();
        String output = curl("--http2-prior-knowledge", "http://127.0.0.1:" + port + "/version");

        assertThat(output).containsIgnoringCase("x-canary-pool: ").contains("HTTP/2 200").endsWith("\n2 200");
    }

    @Test
    void theJdkClientNegotiatesH2ByAlpnOnTheTlsListener() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
                .sslContext(certificates.clientContext()).connectTimeout(Duration.ofSeconds(5)).build();

        HttpResponse<String> response = client.send(Http.request("https://localhost:" + tlsPort + "/headers").build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(BalancerProcess.pool(response)).isIn("stable", "canary");
        assertThat(response.body()).contains("x-forwarded-proto=https");
    }

    @Test
    void curlNegotiatesH2OverTls() throws Exception {
        assumeCurlHasHttp2();
        Path ca = certificates.writeCa(dir.resolve("ca.pem"));
        String output = curl("--http2", "--cacert", ca.toString(), "https://localhost:" + tlsPort + "/version");

        assertThat(output).contains("HTTP/2 200").containsIgnoringCase("x-canary-pool: ").endsWith("\n2 200");
    }

    @Test
    void anUpgradeToH2cIsAnsweredAsHttp11() throws Exception {
        try (RawHttp raw = new RawHttp(port)) {
            RawHttp.Response response = raw.send("""
                    GET /version HTTP/1.1\r
                    Host: lb\r
                    Connection: Upgrade, HTTP2-Settings\r
                    Upgrade: h2c\r
                    HTTP2-Settings: AAMAAABkAAQAAP__\r
                    \r
                    """).read();

            assertThat(response.status()).as("not 101 Switching Protocols").isEqualTo(200);
            assertThat(response.body()).matches("stable-[123]|canary-1");
            assertThat(response.headers()).containsKey("x-canary-pool");
        }
        // The JDK's client asks for h2c by Upgrade on http:// URLs and stays on HTTP/1.1 when refused.
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        HttpResponse<String> response = client.send(Http.request(balancer.baseUrl() + "/version").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
        assertThat(response.statusCode()).isEqualTo(200);
    }

    // ---- the split over one multiplexed connection

    @Test
    void oneConnectionOf400SequentialStreamsGivesOneCanaryInFourExactlyOneQuarter() throws Exception {
        Map<String, Integer> before = requestsPerBackend();
        List<RawH2.Stream> streams = new ArrayList<>();
        try (RawH2 client = RawH2.connect(port)) {
            for (int i = 0; i < 400; i++) {
                streams.add(client.get("/version").await());
            }
        }

        assertThat(streams).allSatisfy(stream -> assertThat(stream.status()).isEqualTo(200));
        assertThat(tally(streams, RawH2.Stream::pool)).isEqualTo(Map.of("canary", 100L, "stable", 300L));
        assertThat(tally(streams, RawH2.Stream::bodyText)).isEqualTo(Map.of(
                "stable-1", 100L, "stable-2", 100L, "stable-3", 100L, "canary-1", 100L));
        assertThat(difference(before, requestsPerBackend())).isEqualTo(Map.of(
                "stable-1", 100, "stable-2", 100, "stable-3", 100, "canary-1", 100));
    }

    @Test
    void fiftyConcurrentStreamsOnOneConnectionKeepTheSplitExact() throws Exception {
        Map<String, Integer> before = requestsPerBackend();
        List<RawH2.Stream> streams = new ArrayList<>();
        try (RawH2 client = RawH2.connect(port)) {
            for (int round = 0; round < 8; round++) {
                List<RawH2.Stream> concurrent = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    concurrent.add(client.get("/version"));
                }
                concurrent.forEach(RawH2.Stream::await);
                streams.addAll(concurrent);
            }
        }

        assertThat(streams).allSatisfy(stream -> assertThat(stream.status()).isEqualTo(200));
        assertThat(tally(streams, RawH2.Stream::pool)).isEqualTo(Map.of("canary", 100L, "stable", 300L));
        assertThat(difference(before, requestsPerBackend())).isEqualTo(Map.of(
                "stable-1", 100, "stable-2", 100, "stable-3", 100, "canary-1", 100));
    }

    @Test
    void theCanaryHeaderOnAStreamSendsItToTheCanary() throws Exception {
        List<RawH2.Stream> streams = new ArrayList<>();
        try (RawH2 client = RawH2.connect(port)) {
            for (int i = 0; i < 100; i++) {
                streams.add(client.get("/version", "x-canary", "1"));
            }
            streams.forEach(RawH2.Stream::await);
        }

        assertThat(tally(streams, RawH2.Stream::bodyText)).isEqualTo(Map.of("canary-1", 100L));
        assertThat(tally(streams, RawH2.Stream::pool)).isEqualTo(Map.of("canary", 100L));
    }

    @Test
    void theStickyHeaderKeepsAUserOnOnePoolAcrossStreamsAndProtocols() throws Exception {
        Http http = new Http();
        int onCanary = 0;
        try (RawH2 client = RawH2.connect(port)) {
            for (int user = 0; user < 200; user++) {
                String id = "user-" + user;
                String expected = StickyRule.bucket("users", id) < 5_000 ? "canary" : "stable";
                List<RawH2.Stream> streams = List.of(client.get("/users/version", "x-user-id", id),
                        client.get("/users/version", "x-user-id", id), client.get("/users/version", "x-user-id", id));
                for (RawH2.Stream stream : streams) {
                    assertThat(stream.await().pool()).as("%s on stream %d", id, stream.id()).isEqualTo(expected);
                }
                assertThat(BalancerProcess.pool(http.get(balancer.baseUrl() + "/users/version", "X-User-Id", id)))
                        .as("%s over HTTP/1.1", id).isEqualTo(expected);
                onCanary += expected.equals("canary") ? 1 : 0;
            }
        }
        assertThat(onCanary).as("users on the canary at 50%").isBetween(60, 140);
    }

    // ---- one protocol to the client, the other to the replica

    @Test
    void anHttp2ClientPostsAMegabyteToAnHttp11Backend() throws Exception {
        byte[] body = randomBytes(MEGABYTE);
        try (RawH2 client = RawH2.connect(port)) {
            RawH2.Stream stream = client.send("POST", "/upload", body, "content-type", "application/octet-stream")
                    .await();

            assertThat(stream.status()).isEqualTo(200);
            assertThat(stream.bodyText()).isEqualTo(Integer.toString(MEGABYTE));
            assertThat(stream.pool()).isIn("stable", "canary");
        }
    }

    @Test
    void anHttp11ClientIsAnsweredByAnHttp2Backend() throws Exception {
        HttpResponse<String> response = new Http().get(balancer.baseUrl() + "/h2/version");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("h2-1");
        assertThat(BalancerProcess.pool(response)).isEqualTo("stable");
    }

    @Test
    void anHttp11ClientPostsAMegabyteToAnHttp2BackendAndGetsItBack() throws Exception {
        byte[] body = randomBytes(MEGABYTE);
        HttpResponse<byte[]> response = new Http().client().send(Http.request(balancer.baseUrl() + "/h2/echo")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
        assertThat(response.headers().firstValue("x-replica")).hasValue("h2-1");
        assertThat(response.headers().firstValue("x-canary-pool")).hasValue("stable");
        assertThat(response.body()).isEqualTo(body);
        assertThat(h2.lastHeaders()).containsEntry(":method", "POST").containsEntry(":path", "/h2/echo");
    }

    @Test
    void anHttp2ClientPostsAMegabyteToAnHttp2BackendAndGetsItBack() throws Exception {
        byte[] body = randomBytes(MEGABYTE);
        try (RawH2 client = RawH2.connect(port)) {
            RawH2.Stream stream = client.send("POST", "/h2/echo", body).await();

            assertThat(stream.status()).isEqualTo(200);
            assertThat(stream.header("x-replica")).isEqualTo("h2-1");
            assertThat(stream.body()).isEqualTo(body);
        }
    }

    // ---- flow control and resets

    @Test
    void aStreamWhoseClientDoesNotReadStallsNeitherItsNeighboursNorBuffersItsBackendWithoutBound() throws Exception {
        long size = 32L * MEGABYTE;
        long sentBefore = h2.bytesSent();
        try (RawH2 client = RawH2.connect(port)) {
            RawH2.Stream held = client.open(client.requestHeaders("GET", "/h2/download?bytes=" + size), true, true);
            await("the held stream's window filled").atMost(Duration.ofSeconds(10))
                    .until(() -> held.bodyBytes() >= 65_535);

            RawH2.Stream neighbour = client.get("/h2/version").await();
            RawH2.Stream http1Neighbour = client.get("/version").await();
            assertThat(neighbour.status()).isEqualTo(200);
            assertThat(neighbour.bodyText()).isEqualTo("h2-1");
            assertThat(http1Neighbour.status()).isEqualTo(200);
            assertThat(held.bodyBytes()).as("no more than the stream's window").isEqualTo(65_535);
            await("the backend held back").during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                    .until(() -> h2.bytesSent() - sentBefore < 8L * MEGABYTE);

            held.openWindow(MEGABYTE);
            assertThat(held.await().bodyBytes()).as("the whole body once the client reads").isEqualTo(size);
        }
    }

    /**
     * A stream the client resets before any answer is reset at the backend, and not counted, in
     * {@code /status} or in {@code canary_balancer_requests_total}, as an HTTP/1.1 client gone before
     * the answer is not; the next stream's answer is, so the counts are read after the reset was handled.
     */
    @Test
    void aStreamTheClientResetsIsResetAtTheHttp2BackendAndNotCounted() throws Exception {
        long counted = routeStatus("h2").at("/pools/stable/requestsTotal").asLong();
        double metric = requestsTotal("h2");
        int requests = h2.requests();
        int resets = h2.resetsReceived();
        try (RawH2 client = RawH2.connect(port)) {
            RawH2.Stream stream = client.get("/h2/hold");
            await("the request reached the backend").atMost(Duration.ofSeconds(10))
                    .until(() -> h2.requests() > requests);

            client.reset(stream.id(), RawH2.CANCEL);

            await("the backend's stream was reset").atMost(Duration.ofSeconds(10))
                    .until(() -> h2.resetsReceived() > resets);
            assertThat(client.get("/h2/version").await().bodyText()).as("the connection serves on").isEqualTo("h2-1");
        }

        await("the answered stream is counted").atMost(Duration.ofSeconds(10))
                .until(() -> routeStatus("h2").at("/pools/stable/requestsTotal").asLong() > counted);
        assertThat(routeStatus("h2").at("/pools/stable/requestsTotal").asLong()).as("/status: the answer only")
                .isEqualTo(counted + 1);
        assertThat(requestsTotal("h2")).as("canary_balancer_requests_total: the answer only").isEqualTo(metric + 1);
    }

    @Test
    void aStreamTheClientResetsClosesItsHttp11BackendConnection() throws Exception {
        int closedBefore = silent.closed();
        try (RawH2 client = RawH2.connect(port)) {
            RawH2.Stream stream = client.get("/silent/wait");
            await("the request reached the backend").atMost(Duration.ofSeconds(10))
                    .until(() -> silent.requestHeads() > 0 && silent.open() > 0);

            client.reset(stream.id(), RawH2.CANCEL);

            await("the backend connection closed").atMost(Duration.ofSeconds(10))
                    .until(() -> silent.closed() > closedBefore);
        }
    }

    /**
     * A replica that takes the TCP connection but never starts HTTP/2 (no SETTINGS) fails the stream
     * waiting for it after the connect timeout (1 s here), not after the response timeout (60 s, longer
     * than the 30 s the test waits): connected is not ready.
     */
    @Test
    void aReplicaThatAcceptsButNeverSpeaksHttp2FailsTheStreamAfterTheConnectTimeout() throws Exception {
        try (RawH2 client = RawH2.connect(port)) {
            RawH2.Stream stream = client.get("/mute/version").await();

            assertThat(stream.status()).isEqualTo(504);
            assertThat(stream.bodyText()).contains("silent-1");
            assertThat(client.get("/h2/version").await().bodyText()).as("the connection serves on").isEqualTo("h2-1");
        }
    }

    /**
     * An HTTP/2 replica's interim head (103 Early Hints) is skipped and its final answer, 200 ms
     * later, is read on: relayed long before the response timeout (60 s) the stream would otherwise
     * wait for.
     */
    @Test
    void anInterimHeadFromAnHttp2ReplicaIsFollowedByItsFinalAnswer() throws Exception {
        try (RawH2 client = RawH2.connect(port)) {
            RawH2.Stream stream = client.get("/h2/early-hints");
            await("the final answer").atMost(Duration.ofSeconds(10)).until(() -> stream.done().isDone());

            assertThat(stream.status()).isEqualTo(200);
            assertThat(stream.bodyText()).isEqualTo("h2-1");
        }
    }

    /**
     * An HTTP/1.1 replica whose response head arrives in two writes 200 ms apart is read on until
     * the head is whole: the HTTP/2 client gets the answer, not a wait for the response timeout (60 s).
     */
    @Test
    void anHttp11ResponseHeadInTwoReadsIsRelayedToAnHttp2Client() throws Exception {
        try (RawH2 client = RawH2.connect(port)) {
            RawH2.Stream stream = client.get("/split-head");
            await("the answer").atMost(Duration.ofSeconds(10)).until(() -> stream.done().isDone());

            assertThat(stream.status()).isEqualTo(200);
            assertThat(stream.bodyText()).matches("stable-[123]|canary-1");
            assertThat(stream.header("x-replica")).isEqualTo(stream.bodyText());
        }
    }

    /**
     * A replica that refuses a stream (RST_STREAM REFUSED_STREAM before any head) did not process it
     * (RFC 9113 section 8.7): a POST, sent only once its head found a replica that took it, goes to the
     * other replica and is answered 200; the refusing replica is not blamed, so not ejected.
     */
    @Test
    void aPostStreamOneReplicaRefusesIsAnsweredByAnotherWhichDoesNotEjectTheFirst() throws Exception {
        byte[] body = "a small body".getBytes(StandardCharsets.UTF_8);
        int takenBefore = taker.requests();
        try (RawH2 client = RawH2.connect(port)) {
            for (int i = 0; i < 4; i++) {
                int taken = taker.requests();
                RawH2.Stream stream = client.open(client.requestHeaders("POST", "/shed/echo"), false);
                await("the head reached a replica that takes it").atMost(Duration.ofSeconds(10))
                        .until(() -> taker.requests() > taken || stream.done().isDone());
                if (!stream.done().isDone()) {
                    client.sendData(stream.id(), body, true);
                }
                RawH2.Stream answered = stream.await();

                assertThat(answered.status()).as("POST %d: %s", i, answered.bodyText()).isEqualTo(200);
                assertThat(answered.header("x-replica")).isEqualTo("taker-1");
                assertThat(answered.body()).isEqualTo(body);
            }
        }

        assertThat(refuser.refused()).as("streams the refusing replica was given").isPositive();
        assertThat(taker.requests() - takenBefore).isEqualTo(4);
        assertThat(status().get("ejections").has("127.0.0.1:" + refuser.port())).as("ejections").isFalse();
        Map<String, String> health = new HashMap<>();
        routeStatus("shed").at("/pools/stable/replicas")
                .forEach(replica -> health.put(replica.get("id").asText(), replica.get("health").asText()));
        assertThat(health).isEqualTo(Map.of("refuser-1", "passing", "taker-1", "passing"));
    }

    /** A reset before the response head is a failed attempt: the client gets a 502 head, not a reset. */
    @Test
    void aBackendResetBeforeTheHeadIsA502() throws Exception {
        try (RawH2 client = RawH2.connect(port)) {
            RawH2.Stream stream = client.get("/h2/reset").await();

            assertThat(stream.resetCode()).as("answered, not reset").isNull();
            assertThat(stream.status()).isEqualTo(502);
        }
    }

    /** A reset after the head cannot become a status any more: the client's stream is reset in turn. */
    @Test
    void aBackendResetAfterTheHeadResetsTheClientsStream() throws Exception {
        try (RawH2 client = RawH2.connect(port)) {
            RawH2.Stream stream = client.get("/h2/reset-after-head").await();

            assertThat(stream.status()).isEqualTo(200);
            assertThat(stream.resetCode()).as("RST_STREAM, not END_STREAM").isNotNull();
            assertThat(client.get("/h2/version").await().bodyText()).as("the connection serves on").isEqualTo("h2-1");
        }
    }

    // ---- drain

    @Test
    void sigtermSendsGoAwayAndLetsTheStreamInFlightFinish() throws Exception {
        try (BalancerProcess draining = BalancerProcess.start(config); RawH2 client = RawH2.connect(draining.port(0))) {
            int received = totalRequests();
            RawH2.Stream inFlight = client.get("/slow?ms=1500");
            await("the request reached a backend").atMost(Duration.ofSeconds(10))
                    .until(() -> totalRequests() > received);

            CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> {
                try {
                    return draining.stop();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });

            RawH2.GoAway goAway = client.goAway().get(10, TimeUnit.SECONDS);
            assertThat(goAway).as("GOAWAY before the connection closed").isNotNull();
            assertThat(goAway.errorCode()).isEqualTo(RawH2.NO_ERROR);
            assertThat(goAway.lastStreamId()).isGreaterThanOrEqualTo(inFlight.id());
            assertThat(inFlight.done()).as("GOAWAY came while the stream was in flight").isNotDone();
            RawH2.Stream finished = inFlight.await();
            assertThat(finished.status()).isEqualTo(200);
            assertThat(finished.bodyText()).matches("stable-[123]|canary-1");
            assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
        }
    }

    // ---- helpers

    private static void assumeCurlHasHttp2() throws Exception {
        if (!Files.isExecutable(CURL)) {
            if ("1".equals(System.getenv("REQUIRE_TEST_TOOLS"))) {
                throw new AssertionError("curl is not installed (apt-get install curl)");
            }
            Assumptions.abort("needs curl");
        }
        Process version = new ProcessBuilder(CURL.toString(), "--version").redirectErrorStream(true).start();
        String text = new String(version.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        version.waitFor(10, TimeUnit.SECONDS);
        Assumptions.assumeTrue(text.contains("HTTP2"), "curl without HTTP/2 (nghttp2): " + text);
    }

    /** Runs curl on one URL, printing the response head, and returns its output with "\nVERSION STATUS" at the end. */
    private static String curl(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of(CURL.toString(), "--silent", "--show-error",
                "--dump-header", "-", "--output", "/dev/null", "--write-out", "\n%{http_version} %{http_code}"));
        command.addAll(List.of(arguments));
        Process curl = new ProcessBuilder(command).redirectErrorStream(true).start();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        curl.getInputStream().transferTo(output);
        assertThat(curl.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String text = output.toString(StandardCharsets.UTF_8);
        assertThat(curl.exitValue()).as(text).isZero();
        return text;
    }

    private static JsonNode status() throws Exception {
        return new ObjectMapper().readTree(new Http().get(balancer.adminUrl() + "/status").body());
    }

    private static JsonNode routeStatus(String name) throws Exception {
        for (JsonNode route : status().get("routes")) {
            if (route.get("name").asText().equals(name)) {
                return route;
            }
        }
        throw new AssertionError("no route " + name + " in /status");
    }

    /** {@code canary_balancer_requests_total} of a route, summed over its pools, status classes and flags. */
    private static double requestsTotal(String route) throws Exception {
        PrometheusText.Family family = PrometheusText.parse(new Http().get(balancer.adminUrl() + "/metrics").body())
                .get("canary_balancer_requests");
        return family == null ? 0 : family.samples().stream()
                .filter(sample -> sample.name().equals("canary_balancer_requests_total"))
                .filter(sample -> route.equals(sample.labels().get("route")))
                .mapToDouble(PrometheusText.Sample::value).sum();
    }

    private static Map<String, Integer> requestsPerBackend() {
        Map<String, Integer> requests = new HashMap<>();
        stable.forEach(backend -> requests.put(backend.name(), backend.requests()));
        requests.put(canary.name(), canary.requests());
        return requests;
    }

    private static int totalRequests() {
        return requestsPerBackend().values().stream().mapToInt(Integer::intValue).sum();
    }

    private static Map<String, Integer> difference(Map<String, Integer> before, Map<String, Integer> after) {
        return after.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                entry -> entry.getValue() - before.get(entry.getKey())));
    }

    private static <T> Map<T, Long> tally(List<RawH2.Stream> streams, Function<RawH2.Stream, T> key) {
        return streams.stream().collect(Collectors.groupingBy(key, Collectors.counting()));
    }

    private static byte[] randomBytes(int size) {
        byte[] bytes = new byte[size];
        new Random(16).nextBytes(bytes);
        return bytes;
    }

    /**
     * An HTTP/1.1 replica that reads request heads and never answers, counting connections it holds and
     * connections its peer closed: what a cancelled exchange must do to an HTTP/1.1 backend is close.
     */
    static final class SilentBackend implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final AtomicInteger open = new AtomicInteger();
        private final AtomicInteger closed = new AtomicInteger();
        private final AtomicInteger requestHeads = new AtomicInteger();

        SilentBackend() throws IOException {
            Thread acceptor = new Thread(this::accept, "silent-backend");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        int open() {
            return open.get();
        }

        int closed() {
            return closed.get();
        }

        int requestHeads() {
            return requestHeads.get();
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    open.incrementAndGet();
                    Thread reader = new Thread(() -> read(socket), "silent-backend-connection");
                    reader.setDaemon(true);
                    reader.start();
                } catch (IOException e) {
                    return; // closed
                }
            }
        }

        /** Reads until the peer closes; every blank line ends a request head. */
        private void read(Socket socket) {
            try (socket; InputStream in = socket.getInputStream()) {
                int last = 0;
                int previous = 0;
                int b;
                while ((b = in.read()) != -1) {
                    if (b == '\n' && previous == '\r' && last == '\n') {
                        requestHeads.incrementAndGet();
                    }
                    if (b != '\r') {
                        last = b;
                    }
                    previous = b;
                }
            } catch (IOException e) {
                // reset by the peer: closed all the same
            } finally {
                open.decrementAndGet();
                closed.incrementAndGet();
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
