package io.canarybalancer.balancer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.canarybalancer.balancer.admin.PrometheusText;
import io.canarybalancer.testsupport.Http;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * WebSocket and other upgrades through the real jar: real Netty WebSocket echo backends (3 stable
 * + 1 canary for the chat routes, two more for the fault cases, so their ejections touch no other
 * route) and the JDK's WebSocket client, or a raw socket where the bytes themselves matter. Tunnel
 * idle timeout, drain and the memory bound each get a balancer of their own.
 */
class WebSocketIT {
    static final ObjectMapper JSON = new ObjectMapper();
    /** A fixed key, so the expected {@code Sec-WebSocket-Accept} can be computed (RFC 6455 section 4.2.2). */
    static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";

    @TempDir
    static Path dir;
    static final List<WebSocketBackend> stable = new ArrayList<>();
    static WebSocketBackend canary;
    static final List<WebSocketBackend> fragile = new ArrayList<>();
    static BalancerProcess balancer;
    static final Http http = new Http();

    @BeforeAll
    static void start() throws Exception {
        for (int i = 1; i <= 3; i++) {
            stable.add(new WebSocketBackend("stable-" + i));
        }
        canary = new WebSocketBackend("canary-1");
        fragile.add(new WebSocketBackend("fragile-1"));
        fragile.add(new WebSocketBackend("fragile-2"));
        Path config = config(dir, "service-v1:\n" + replicas(stable, "chat") + replicas(fragile, "fragile")
                + "service-v2:\n" + replicas(List.of(canary), "chat"), """
                upgrades: [websocket, customproto]
                routes:
                  - {name: chat, pathPrefix: /, stable: {service: service-v1, tag: chat}, canary: {service: service-v2, tag: chat}}
                  - {name: split, pathPrefix: /split, stable: {service: service-v1, tag: chat}, canary: {service: service-v2, tag: chat}}
                  - name: flagged
                    pathPrefix: /flagged
                    strategy: header
                    stable: {service: service-v1, tag: chat}
                    canary: {service: service-v2, tag: chat}
                  - name: counted
                    pathPrefix: /counted
                    strategy: header
                    stable: {service: service-v1, tag: chat}
                    canary: {service: service-v2, tag: chat}
                  - name: sticky
                    pathPrefix: /sticky
                    strategy: weight
                    weight: 50
                    sticky: {header: X-User-Id}
                    stable: {service: service-v1, tag: chat}
                    canary: {service: service-v2, tag: chat}
                  - name: fragile
                    pathPrefix: /fragile
                    strategy: header
                    stable: {service: service-v1, tag: fragile}
                    canary: {service: service-v2, tag: fragile}
                """);
        balancer = BalancerProcess.start(config);
    }

    @AfterAll
    static void stop() {
        if (balancer != null) {
            balancer.close();
        }
        Stream.of(stable, List.of(canary), fragile).flatMap(List::stream).forEach(WebSocketBackend::close);
    }

    @Test
    void textAndBinaryMessagesEchoThroughTheBalancerInOrder() throws Exception {
        try (WebSocketClient client = WebSocketClient.open(ws(balancer, "/chat"))) {
            String first = client.sendText("hello").nextText();
            assertThat(first).matches("(stable-[123]|canary-1):hello");
            String replica = first.substring(0, first.indexOf(':'));

            byte[] binary = new byte[10_000];
            new Random(15).nextBytes(binary);
            assertThat(client.sendBinary(binary).nextBinary()).isEqualTo(binary);

            for (int i = 0; i < 100; i++) {
                client.sendText("message " + i);
            }
            for (int i = 0; i < 100; i++) {
                assertThat(client.nextText()).as("one tunnel, one replica, in order").isEqualTo(replica + ":message " + i);
            }
        }
    }

    @Test
    void theSwitchingAnswerIsRelayedWithItsPoolAndTheConnectionCarriesFrames() throws Exception {
        try (RawSocket raw = new RawSocket(balancer.port())) {
            Head head = raw.send(upgradeRequest("/flagged/chat", "websocket", "X-Canary: 1\r\n")).head();

            assertThat(head.status()).isEqualTo(101);
            assertThat(head.header("Upgrade")).isEqualToIgnoringCase("websocket");
            assertThat(head.header("Connection")).containsIgnoringCase("upgrade");
            assertThat(head.header("Sec-WebSocket-Accept")).isEqualTo(accept(KEY));
            assertThat(head.header("X-Canary-Pool")).isEqualTo("canary");

            raw.write(maskedTextFrame("over raw bytes"));
            assertThat(raw.readTextFrame()).isEqualTo("canary-1:over raw bytes");
        }
    }

    @Test
    void aConnectionThatServedPlainRequestsCanThenUpgrade() throws Exception {
        try (RawSocket raw = new RawSocket(balancer.port())) {
            for (int i = 0; i < 3; i++) {
                Head plain = raw.send("GET /flagged/version HTTP/1.1\r\nHost: lb\r\nX-Canary: 1\r\n\r\n").head();
                assertThat(raw.body(plain)).isEqualTo("canary-1");
            }

            Head switched = raw.send(upgradeRequest("/flagged/chat", "websocket", "X-Canary: 1\r\n")).head();

            assertThat(switched.status()).isEqualTo(101);
            raw.write(maskedTextFrame("after three requests"));
            assertThat(raw.readTextFrame()).isEqualTo("canary-1:after three requests");
        }
    }

    @Test
    void framesSentRightBehindTheUpgradeRequestReachTheBackendAfterTheSwitch() throws Exception {
        try (RawSocket raw = new RawSocket(balancer.port())) {
            // One write: the handshake and two frames, before any answer came back.
            ByteArrayOutputStream eager = new ByteArrayOutputStream();
            eager.writeBytes(upgradeRequest("/flagged/chat", "websocket", "X-Canary: 1\r\n").getBytes(StandardCharsets.ISO_8859_1));
            eager.writeBytes(maskedTextFrame("first"));
            eager.writeBytes(maskedTextFrame("second"));
            raw.write(eager.toByteArray());

            assertThat(raw.head().status()).isEqualTo(101);
            assertThat(raw.readTextFrame()).isEqualTo("canary-1:first");
            assertThat(raw.readTextFrame()).isEqualTo("canary-1:second");
        }
    }

    @Test
    void aFlaggedUpgradeLandsOnTheCanaryAndUnflaggedOnesOnStable() throws Exception {
        for (int i = 0; i < 10; i++) {
            try (WebSocketClient flagged = WebSocketClient.open(ws(balancer, "/flagged/chat"), "X-Canary", "1");
                 WebSocketClient plain = WebSocketClient.open(ws(balancer, "/flagged/chat"))) {
                assertThat(flagged.sendText("flagged " + i).nextText()).isEqualTo("canary-1:flagged " + i);
                assertThat(plain.sendText("plain " + i).nextText()).matches("stable-[123]:plain " + i);
            }
        }
    }

    @Test
    void aStickyUserUpgradesOnTheSideTheirPlainRequestsGoTo() throws Exception {
        Map<String, Long> sides = new LinkedHashMap<>();
        for (int user = 0; user < 40; user++) {
            HttpResponse<String> plain = http.get(balancer.baseUrl() + "/sticky/version", "X-User-Id", "user-" + user);
            String side = BalancerProcess.pool(plain);
            try (WebSocketClient client = WebSocketClient.open(ws(balancer, "/sticky/chat"), "X-User-Id", "user-" + user)) {
                String echo = client.sendText("hi").nextText();
                assertThat(echo.startsWith("canary-1:") ? "canary" : "stable").as("user %d", user).isEqualTo(side);
            }
            sides.merge(side, 1L, Long::sum);
        }
        assertThat(sides).as("users on each side at 50%%").containsKeys("stable", "canary");
    }

    @Test
    void upgradesKeepTheReplicaSplitExactly() throws Exception {
        List<CompletableFuture<WebSocketClient>> opening = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            opening.add(WebSocketClient.openAsync(ws(balancer, "/split/chat"), true));
        }
        List<WebSocketClient> clients = opening.stream().map(CompletableFuture::join).toList();
        try {
            List<String> replicas = new ArrayList<>();
            for (WebSocketClient client : clients) {
                String echo = client.sendText("who").nextText();
                replicas.add(echo.substring(0, echo.indexOf(':')));
            }

            assertThat(replicas.stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting())))
                    .isEqualTo(Map.of("stable-1", 10L, "stable-2", 10L, "stable-3", 10L, "canary-1", 10L));
        } finally {
            clients.forEach(WebSocketClient::close);
        }
    }

    @Test
    void anUpgradeAnsweredWithoutSwitchingIsRelayedAsANormalResponse() throws Exception {
        try (RawSocket raw = new RawSocket(balancer.port())) {
            Head refused = raw.send(upgradeRequest("/flagged/refuse?status=403", "websocket", "")).head();

            assertThat(refused.status()).isEqualTo(403);
            assertThat(raw.body(refused)).matches("refused by stable-[123]");
            assertThat(refused.header("X-Canary-Pool")).isEqualTo("stable");

            Head next = raw.send("GET /flagged/version HTTP/1.1\r\nHost: lb\r\n\r\n").head();
            assertThat(next.status()).as("the connection stays HTTP").isEqualTo(200);
            assertThat(raw.body(next)).matches("stable-[123]");
        }

        assertThatThrownBy(() -> WebSocketClient.openAsync(ws(balancer, "/flagged/refuse?status=403"), true).join())
                .isInstanceOf(CompletionException.class)
                .cause().isInstanceOf(WebSocketHandshakeException.class)
                .satisfies(e -> assertThat(((WebSocketHandshakeException) e).getResponse().statusCode()).isEqualTo(403));
    }

    @Test
    void aBackendThatClosesMidStreamClosesTheClientSide() throws Exception {
        // A raw socket, not the JDK client: its listener misses a close that comes without a close
        // frame about four times in ten, even straight from the backend, and no write wakes it.
        try (RawSocket client = RawSocket.webSocket(balancer.port(), "/fragile/chat?cutAfter=3", "")) {
            for (int i = 0; i < 3; i++) {
                client.write(maskedTextFrame("m" + i));
                assertThat(client.readTextFrame()).matches("fragile-[12]:m" + i);
            }

            assertThat(client.closedByServerAfterReading()).as("bytes after the last echo").isEmpty();
        }
        await("the tunnel counted as closed").atMost(Duration.ofSeconds(10))
                .until(() -> route("fragile").at("/pools/stable/tunnels/open").asInt(-1) == 0);
        JsonNode fragileRoute = route("fragile");
        assertThat(fragileRoute.at("/pools/stable/tunnels/total").asLong()).as("%s", fragileRoute).isEqualTo(1);
    }

    static Stream<Arguments> upgradesThatAreNotTunnelled() {
        String key = "Sec-WebSocket-Key: " + KEY + "\r\nSec-WebSocket-Version: 13\r\n";
        return Stream.of(
                Arguments.of("h2c", "GET /flagged/headers HTTP/1.1\r\nHost: lb\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                        + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n", true),
                Arguments.of("a protocol not listed", "GET /flagged/headers HTTP/1.1\r\nHost: lb\r\n"
                        + "Connection: Upgrade\r\nUpgrade: unlisted-proto\r\n\r\n", true),
                Arguments.of("a listed protocol beside one not listed", "GET /flagged/headers HTTP/1.1\r\nHost: lb\r\n"
                        + "Connection: Upgrade\r\nUpgrade: websocket, h2c\r\n" + key + "\r\n", true),
                Arguments.of("a request with a body", "POST /flagged/headers HTTP/1.1\r\nHost: lb\r\n"
                        + "Connection: Upgrade\r\nUpgrade: websocket\r\n" + key + "Content-Length: 5\r\n\r\nhello", true),
                Arguments.of("HTTP/1.0", "GET /flagged/headers HTTP/1.0\r\nHost: lb\r\n"
                        + "Connection: Upgrade\r\nUpgrade: websocket\r\n" + key + "\r\n", false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("upgradesThatAreNotTunnelled")
    void anUpgradeThatIsNotTunnelledIsAnsweredAsPlainHttp(String what, String request, boolean keepAlive) throws Exception {
        try (RawSocket raw = new RawSocket(balancer.port())) {
            Head head = raw.send(request).head();

            assertThat(head.statusLine()).startsWith("HTTP/1.1 200 ");
            assertThat(head.header("Upgrade")).isNull();
            assertThat(raw.body(head)).as("headers the backend received").doesNotContain("upgrade=")
                    .doesNotContain("http2-settings=");

            if (keepAlive) {
                Head next = raw.send("GET /flagged/version HTTP/1.1\r\nHost: lb\r\n\r\n").head();
                assertThat(next.status()).as("the connection stays HTTP/1.1").isEqualTo(200);
                assertThat(raw.body(next)).matches("stable-[123]");
            }
        }
    }

    @Test
    void aSwitchToARequestThatDidNotAskForOneIsRefused() throws Exception {
        try (RawSocket raw = new RawSocket(balancer.port())) {
            Head head = raw.send("GET /fragile/switch-anyway HTTP/1.1\r\nHost: lb\r\n\r\n").head();

            assertThat(head.status()).isEqualTo(502);
        }
    }

    @Test
    void aListedCustomUpgradeTunnelsArbitraryBytesBothWays() throws Exception {
        try (RawSocket raw = new RawSocket(balancer.port())) {
            Head head = raw.send("GET /flagged/raw HTTP/1.1\r\nHost: lb\r\nConnection: keep-alive, Upgrade\r\n"
                    + "Upgrade: customproto\r\nX-Canary: yes\r\n\r\n").head();

            assertThat(head.status()).isEqualTo(101);
            assertThat(head.header("Upgrade")).isEqualTo("customproto");
            assertThat(head.header("X-Canary-Pool")).isEqualTo("canary");
            assertThat(new String(raw.readExactly("hello from canary-1\n".length()), StandardCharsets.UTF_8))
                    .as("the backend speaks first").isEqualTo("hello from canary-1\n");

            byte[] everyByte = new byte[256 * 64];
            for (int i = 0; i < everyByte.length; i++) {
                everyByte[i] = (byte) i;
            }
            raw.write(everyByte);
            assertThat(raw.readExactly(everyByte.length)).isEqualTo(everyByte);
            // Something that looks like HTTP is just bytes in a tunnel: nothing parses it.
            byte[] notARequest = "GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
            raw.write(notARequest);
            assertThat(raw.readExactly(notARequest.length)).isEqualTo(notARequest);
        }
    }

    @Test
    void statusAndMetricsCountTunnelsAndTheirBytesPerPool() throws Exception {
        String payload = "x".repeat(5_000);
        WebSocketClient client = WebSocketClient.open(ws(balancer, "/counted/chat"));
        try {
            assertThat(client.sendText(payload).nextText()).matches("stable-[123]:x{5000}");

            await("the tunnel counted as open").atMost(Duration.ofSeconds(10))
                    .until(() -> tunnels("stable").path("open").asInt(-1) == 1);
            JsonNode open = tunnels("stable");
            assertThat(open.get("total").asLong()).isEqualTo(1);
            assertThat(open.get("clientToBackendBytes").asLong()).isGreaterThanOrEqualTo(payload.length());
            assertThat(open.get("backendToClientBytes").asLong()).isGreaterThanOrEqualTo(payload.length() + "stable-1:".length());
            assertThat(route("counted").at("/pools/stable/requests/1xx").asLong()).as("the 101, counted as an answer").isEqualTo(1);
            assertThat(tunnels("canary").get("open").asInt()).isZero();
            assertThat(tunnels("canary").get("total").asLong()).isZero();

            Map<String, PrometheusText.Family> metrics = metrics();
            Map<String, String> stableLabels = Map.of("route", "counted", "pool", "stable");
            assertThat(metrics.get("canary_balancer_tunnels_open").type()).isEqualTo("gauge");
            assertThat(metrics.get("canary_balancer_tunnels_open").value("canary_balancer_tunnels_open", stableLabels))
                    .isEqualTo(1);
            assertThat(metrics.get("canary_balancer_tunnels").type()).isEqualTo("counter");
            assertThat(metrics.get("canary_balancer_tunnels").value("canary_balancer_tunnels_total", stableLabels))
                    .isEqualTo(1);
            assertThat(metrics.get("canary_balancer_tunnel_bytes").type()).isEqualTo("counter");
            assertThat(metrics.get("canary_balancer_tunnel_bytes").value("canary_balancer_tunnel_bytes_total",
                    Map.of("route", "counted", "pool", "stable", "direction", "client_to_backend")))
                    .isGreaterThanOrEqualTo(payload.length());
            assertThat(metrics.get("canary_balancer_tunnel_bytes").value("canary_balancer_tunnel_bytes_total",
                    Map.of("route", "counted", "pool", "stable", "direction", "backend_to_client")))
                    .isGreaterThanOrEqualTo(payload.length());
        } finally {
            client.close();
        }

        await("the tunnel counted as closed").atMost(Duration.ofSeconds(10))
                .until(() -> tunnels("stable").path("open").asInt(-1) == 0);
        assertThat(tunnels("stable").get("total").asLong()).isEqualTo(1);
        assertThat(metrics().get("canary_balancer_tunnels_open")
                .value("canary_balancer_tunnels_open", Map.of("route", "counted", "pool", "stable"))).isZero();
    }

    @Test
    void anUpgradeIsNeverRetriedOnceSent() throws Exception {
        try (RawSocket raw = new RawSocket(balancer.port())) {
            Head head = raw.send(upgradeRequest("/fragile/hangup", "websocket", "")).head();

            assertThat(head.status()).isEqualTo(502);
        }
        assertThat(fragile.stream().mapToInt(backend -> backend.upgradeRequests("/fragile/hangup")).sum())
                .as("upgrade requests the backends received").isEqualTo(1);
    }

    @Test
    void aTunnelIdleInBothDirectionsIsClosedAfterTunnelIdle(@TempDir Path own) throws Exception {
        try (WebSocketBackend backend = new WebSocketBackend("stable-1");
             BalancerProcess idling = BalancerProcess.start(config(own, onlyStable(backend), """
                     timeouts: {tunnelIdle: 1s}
                     """))) {
            RawSocket idle = RawSocket.webSocket(idling.port(), "/chat", "");
            WebSocketClient busy = WebSocketClient.open(ws(idling, "/chat"));
            idle.write(maskedTextFrame("once"));
            assertThat(idle.readTextFrame()).isEqualTo("stable-1:once");

            // The busy tunnel carries a message every 250 ms, for three times the idle timeout.
            for (int i = 0; i < 12; i++) {
                assertThat(busy.sendText("tick " + i).nextText()).isEqualTo("stable-1:tick " + i);
                Thread.sleep(250); // the pace of the traffic, not a wait for anything
            }

            assertThat(idle.closedByServerAfterReading()).as("the idle tunnel closed, nothing more sent").isEmpty();
            await("the backend's side of the idle tunnel closed").atMost(Duration.ofSeconds(10))
                    .until(() -> backend.openConnections() == 1);
            assertThat(busy.ended()).as("a tunnel in use stays open").isNotDone();
            assertThat(busy.sendText("still here").nextText()).isEqualTo("stable-1:still here");
            idle.close();
            busy.close();
        }
    }

    @Test
    void aDrainLetsAnOpenTunnelRunUntilTheDrainTimeoutAndRefusesNewUpgrades(@TempDir Path own) throws Exception {
        try (WebSocketBackend backend = new WebSocketBackend("stable-1");
             BalancerProcess draining = BalancerProcess.start(config(own, onlyStable(backend), """
                     timeouts: {drain: 3s}
                     """))) {
            int port = draining.port();
            RawSocket tunnel = RawSocket.webSocket(port, "/chat", "");
            tunnel.write(maskedTextFrame("before"));
            assertThat(tunnel.readTextFrame()).isEqualTo("stable-1:before");
            // A connection open before the drain whose upgrade request is finished during it.
            RawSocket late = new RawSocket(port);
            late.send("GET /chat HTTP/1.1\r\nHost: lb\r\n");

            CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> {
                try {
                    return draining.stop();
                } catch (InterruptedException e) {
                    throw new CompletionException(e);
                }
            });
            assertThat(draining.awaitOutput("draining requests in flight", Duration.ofSeconds(10))).isTrue();
            await("the listener closed").atMost(Duration.ofSeconds(10)).until(() -> refuses(port));

            tunnel.write(maskedTextFrame("during the drain"));
            assertThat(tunnel.readTextFrame()).isEqualTo("stable-1:during the drain");
            Head refused = late.send("Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: " + KEY
                    + "\r\nSec-WebSocket-Version: 13\r\n\r\n").head();
            assertThat(refused.status()).as("a new upgrade during the drain").isEqualTo(503);
            late.close();

            assertThat(tunnel.closedByServerAfterReading()).as("the tunnel closed at the drain timeout").isEmpty();
            assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
            assertThat(backend.upgradeRequests("/chat")).as("the refused upgrade never reached the backend").isEqualTo(1);
            tunnel.close();
        }
    }

    /**
     * Backpressure through a tunnel: 1,000 messages of 128 KiB each way (125 MiB per direction),
     * read slowly by the client, through a balancer whose heap, and so its direct memory, is capped
     * at 64 MiB. A tunnel that buffered what the slow side could not take yet would run out of
     * memory and break; one with backpressure slows the sender down instead.
     */
    @Test
    void aThousandLargeMessagesEachWayWithASlowReaderPassInBoundedMemory(@TempDir Path own) throws Exception {
        int messages = 1_000;
        int size = 128 * 1024;
        try (WebSocketBackend backend = new WebSocketBackend("stable-1");
             BalancerProcess small = BalancerProcess.start(config(own, onlyStable(backend), ""),
                     "-Xmx64m")) {
            WebSocketClient client = WebSocketClient.openSlowReader(ws(small, "/chat"));
            AtomicInteger sent = new AtomicInteger();
            CompletableFuture<Void> sender = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < messages; i++) {
                    client.sendBinary(message(i, size));
                    sent.incrementAndGet();
                }
            });
            ScheduledExecutorService reader = Executors.newSingleThreadScheduledExecutor();
            int mostAhead = 0;
            try {
                // The slow reader: one message every 2 ms, far below what loopback could carry.
                reader.scheduleAtFixedRate(() -> client.request(1), 0, 2, TimeUnit.MILLISECONDS);
                for (int i = 0; i < messages; i++) {
                    byte[] echo = client.nextBinary();
                    assertThat(echo.length).isEqualTo(size);
                    assertThat(ByteBuffer.wrap(echo).getInt()).as("message %d in order", i).isEqualTo(i);
                    assertThat(echo).isEqualTo(message(i, size));
                    mostAhead = Math.max(mostAhead, sent.get() - i);
                }
            } finally {
                reader.shutdownNow();
            }
            sender.get(60, TimeUnit.SECONDS);
            System.out.printf("Tunnel backpressure: %d messages of %d KiB each way; the sender was at most %d ahead%n",
                    messages, size / 1024, mostAhead);

            HttpResponse<String> status = http.get(small.adminUrl() + "/status");
            assertThat(status.statusCode()).as("the balancer still answers").isEqualTo(200);
            JsonNode tunnels = JSON.readTree(status.body()).at("/routes/0/pools/stable/tunnels");
            assertThat(tunnels.get("open").asInt()).isEqualTo(1);
            assertThat(tunnels.get("clientToBackendBytes").asLong()).isGreaterThanOrEqualTo((long) messages * size);
            assertThat(tunnels.get("backendToClientBytes").asLong()).isGreaterThanOrEqualTo((long) messages * size);
            assertThat(small.output()).doesNotContain("OutOfMemoryError").doesNotContain("OutOfDirectMemoryError");
            assertThat(client.ended()).as("the tunnel is still open").isNotDone();
            client.close();
        }
    }

    private static byte[] message(int sequence, int size) {
        byte[] bytes = new byte[size];
        ByteBuffer buffer = ByteBuffer.wrap(bytes).putInt(sequence);
        while (buffer.hasRemaining()) {
            buffer.put((byte) (sequence + buffer.position()));
        }
        return bytes;
    }

    private static JsonNode tunnels(String pool) throws Exception {
        return route("counted").at("/pools/" + pool + "/tunnels");
    }

    /** The route with this name in {@code /status}. */
    private static JsonNode route(String name) throws Exception {
        HttpResponse<String> response = http.get(balancer.adminUrl() + "/status");
        assertThat(response.statusCode()).isEqualTo(200);
        for (JsonNode route : JSON.readTree(response.body()).get("routes")) {
            if (route.get("name").asText().equals(name)) {
                return route;
            }
        }
        throw new AssertionError("no route " + name + " in " + response.body());
    }

    private static Map<String, PrometheusText.Family> metrics() throws Exception {
        return PrometheusText.parse(http.get(balancer.adminUrl() + "/metrics").body());
    }

    private static boolean refuses(int port) {
        try (Socket ignored = new Socket("127.0.0.1", port)) {
            return false;
        } catch (ConnectException refused) {
            return true;
        } catch (IOException other) {
            return false;
        }
    }

    static URI ws(BalancerProcess balancer, String path) {
        return URI.create("ws://127.0.0.1:" + balancer.port() + path);
    }

    static String upgradeRequest(String target, String protocol, String moreHeaders) {
        return "GET " + target + " HTTP/1.1\r\nHost: lb\r\nConnection: Upgrade\r\nUpgrade: " + protocol + "\r\n"
                + "Sec-WebSocket-Key: " + KEY + "\r\nSec-WebSocket-Version: 13\r\n" + moreHeaders + "\r\n";
    }

    static String accept(String key) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-1")
                .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII));
        return Base64.getEncoder().encodeToString(digest);
    }

    /** A client's text frame, masked as RFC 6455 requires of clients (short payloads only). */
    static byte[] maskedTextFrame(String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        byte[] mask = {0x12, 0x34, 0x56, 0x78};
        ByteBuffer frame = ByteBuffer.allocate(6 + payload.length);
        frame.put((byte) 0x81).put((byte) (0x80 | payload.length)).put(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.put((byte) (payload[i] ^ mask[i % 4]));
        }
        return frame.array();
    }

    /** A replica file with one stable backend and no canary. */
    static String onlyStable(WebSocketBackend backend) {
        return "service-v1:\n" + replicas(List.of(backend), "chat") + "service-v2: []\n";
    }

    /** Replica-file lines for these backends, each with this tag. */
    static String replicas(List<WebSocketBackend> backends, String tag) {
        return backends.stream()
                .map(b -> "  - {address: 127.0.0.1, port: " + b.port() + ", id: " + b.name() + ", tags: [" + tag + "]}\n")
                .collect(Collectors.joining());
    }

    static Path config(Path dir, String replicaFile, String more) throws IOException {
        return TestConfigs.config(dir, replicaFile, more.contains("routes:") ? more : more + """
                routes:
                  - {name: chat, pathPrefix: /, stable: {service: service-v1, tag: chat}, canary: {service: service-v2, tag: chat}}
                """);
    }

    /** A response head as received: the status line and the fields, names in lower case. */
    record Head(String statusLine, Map<String, String> headers) {
        int status() {
            return Integer.parseInt(statusLine.split(" ")[1]);
        }

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /**
     * A client connection spoken to byte by byte, which, unlike {@link RawHttp}, goes on after a
     * response head: into a tunnel's raw bytes or WebSocket frames.
     */
    static final class RawSocket implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        RawSocket(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(30_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        /** A connection that completed a WebSocket handshake (101) for {@code target}. */
        static RawSocket webSocket(int port, String target, String moreHeaders) throws IOException {
            RawSocket socket = new RawSocket(port);
            Head head = socket.send(upgradeRequest(target, "websocket", moreHeaders)).head();
            assertThat(head.status()).as("the handshake's answer").isEqualTo(101);
            return socket;
        }

        RawSocket send(String text) throws IOException {
            write(text.getBytes(StandardCharsets.ISO_8859_1));
            return this;
        }

        void write(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        /** Reads one response head; fails if the connection closed before one came. */
        Head head() throws IOException {
            String status = line();
            if (status == null) {
                throw new AssertionError("the connection closed without a response");
            }
            Map<String, String> headers = new LinkedHashMap<>();
            String line;
            while (!(line = line()).isEmpty()) {
                int colon = line.indexOf(':');
                headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
            return new Head(status, headers);
        }

        /** The body of a response framed by {@code Content-Length}. */
        String body(Head head) throws IOException {
            String length = head.header("Content-Length");
            assertThat(length).as("Content-Length of %s", head).isNotNull();
            return new String(readExactly(Integer.parseInt(length)), StandardCharsets.UTF_8);
        }

        byte[] readExactly(int count) throws IOException {
            byte[] bytes = in.readNBytes(count);
            assertThat(bytes.length).as("bytes before the connection closed").isEqualTo(count);
            return bytes;
        }

        /**
         * Everything the server sends until it closes the connection (a reset ends it too); fails on
         * the read timeout.
         */
        byte[] closedByServerAfterReading() throws IOException {
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            try {
                in.transferTo(received);
            } catch (SocketTimeoutException timeout) {
                throw timeout;
            } catch (IOException reset) {
                // closed by a reset: what came before it is kept
            }
            return received.toByteArray();
        }

        /** One unmasked, unfragmented text frame from the server (short payloads only). */
        String readTextFrame() throws IOException {
            byte[] start = readExactly(2);
            assertThat(start[0] & 0xff).as("FIN + text opcode").isEqualTo(0x81);
            int length = start[1] & 0x7f;
            assertThat(length).as("a short payload").isLessThan(126);
            return new String(readExactly(length), StandardCharsets.UTF_8);
        }

        private String line() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) != -1) {
                if (c == '\n') {
                    String text = line.toString(StandardCharsets.ISO_8859_1);
                    return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
                }
                line.write(c);
            }
            return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
