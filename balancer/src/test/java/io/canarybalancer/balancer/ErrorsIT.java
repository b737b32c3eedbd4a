package io.canarybalancer.balancer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.canarybalancer.balancer.admin.PrometheusText;
import io.canarybalancer.testsupport.Http;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The balancer's own answers when it cannot deliver: 503, 502, 504 and 404, each a readable JSON body. */
class ErrorsIT {
    @TempDir
    static Path dir;
    static TestBackend slow;
    static BalancerProcess balancer;
    static final Http http = new Http();
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() throws Exception {
        slow = new TestBackend("slow-1");
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort(); // free again once closed: nothing listens there
        }
        String replicas = "service-v1:\n" + TestConfigs.replica(slow)
                + "refused:\n  - {address: 127.0.0.1, port: " + closedPort + "}\n";
        Path config = TestConfigs.config(dir, replicas, """
                timeouts:
                  response: 300ms
                  stall: 500ms
                routes:
                  - {name: cut, pathPrefix: /cut}
                  - {name: halt, pathPrefix: /halt}
                  - {name: unread, pathPrefix: /unread}
                  - {name: slow, pathPrefix: /slow}
                  - {name: refused, pathPrefix: /refused, stable: {service: refused}}
                  - {name: empty, pathPrefix: /empty, stable: {service: nothing-here, tag: message}}
                  - {name: strict, pathPrefix: /strict, fallback: reject}
                """);
        balancer = BalancerProcess.start(config);
    }

    @AfterAll
    static void stop() {
        balancer.close();
        slow.close();
    }

    @Test
    void noReplicaGives503NamingTheRouteAndPools() throws Exception {
        HttpResponse<String> response = http.get(balancer.baseUrl() + "/empty/version");

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(response.body())
                .contains("\"error\":\"no healthy replica\"")
                .contains("\"route\":\"empty\"")
                .contains("\"stable\":{\"service\":\"nothing-here\",\"tag\":\"message\",\"replicas\":0}")
                .contains("\"canary\":{\"service\":\"service-v2\",\"tag\":null,\"replicas\":0}");
    }

    @Test
    void aFlaggedRequestWithRejectFallbackAndNoCanaryGets503() throws Exception {
        HttpResponse<String> flagged = http.get(balancer.baseUrl() + "/strict/version", "X-Canary", "1");
        HttpResponse<String> plain = http.get(balancer.baseUrl() + "/strict/version");

        assertThat(flagged.statusCode()).isEqualTo(503);
        assertThat(flagged.body()).contains("fallback is reject");
        assertThat(plain.statusCode()).isEqualTo(200);
    }

    @Test
    void aRefusedConnectionGives502() throws Exception {
        HttpResponse<String> response = http.get(balancer.baseUrl() + "/refused/version");

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.body()).contains("refused the connection").contains("\"route\":\"refused\"");
    }

    @Test
    void aBackendSlowerThanTheResponseTimeoutGives504() throws Exception {
        HttpResponse<String> response = http.get(balancer.baseUrl() + "/slow/slow?ms=5000");

        assertThat(response.statusCode()).isEqualTo(504);
        assertThat(response.body()).contains("did not answer in time");
    }

    @Test
    void aBackendWithinTheTimeoutIsServed() throws Exception {
        HttpResponse<String> response = http.get(balancer.baseUrl() + "/slow/slow?ms=10");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("slow-1");
    }

    @Test
    void anAnswerCutOffMidBodyCountsAsA5xxNotAsTheStatusItsHeadAnnounced() throws Exception {
        try (RawHttp client = new RawHttp(balancer.port())) {
            client.send("GET /cut HTTP/1.1\r\nHost: lb\r\n\r\n");

            assertThat(client.closedByServerAfterReading()).startsWith("HTTP/1.1 200").endsWith("0123456789");
        }
        await().untilAsserted(() -> assertThat(stableRequests("cut")).isEqualTo(Map.of("5xx", 1L)));
        assertThat(metric("cut", "5xx")).isEqualTo(1);
        assertThat(metric("cut", "2xx")).isZero();
    }

    @Test
    void anAnswerThatStallsMidBodyCountsAsA504() throws Exception {
        try (RawHttp client = new RawHttp(balancer.port())) {
            client.send("GET /halt HTTP/1.1\r\nHost: lb\r\n\r\n");

            assertThat(client.closedByServerAfterReading()).startsWith("HTTP/1.1 200").endsWith("0123456789");
        }
        await().untilAsserted(() -> assertThat(stableRequests("halt")).isEqualTo(Map.of("5xx", 1L)));
    }

    @Test
    void anAnswerTheClientStopsReadingCountsAs499NotAgainstTheReplica() throws Exception {
        try (RawHttp client = new RawHttp(balancer.port())) {
            // far more than the socket buffers hold: the balancer must wait for a client that never reads
            client.send("GET /unread/download?bytes=1000000000 HTTP/1.1\r\nHost: lb\r\n\r\n");

            await().untilAsserted(() -> assertThat(stableRequests("unread")).isEqualTo(Map.of("4xx", 1L)));
        }
    }

    @Test
    void theConnectionStaysUsableAfterAnErrorAnswer() throws Exception {
        try (RawHttp client = new RawHttp(balancer.port())) {
            RawHttp.Response refused = client.send("GET /refused/x HTTP/1.1\r\nHost: lb\r\n\r\n").read();
            RawHttp.Response empty = client.send("GET /empty/x HTTP/1.1\r\nHost: lb\r\n\r\n").read();
            RawHttp.Response timedOut = client.send("GET /slow/slow?ms=5000 HTTP/1.1\r\nHost: lb\r\n\r\n").read();
            RawHttp.Response served = client.send("GET /slow/x HTTP/1.1\r\nHost: lb\r\n\r\n").read();

            assertThat(List.of(refused.status(), empty.status(), timedOut.status(), served.status()))
                    .containsExactly(502, 503, 504, 200);
        }
    }

    @Test
    void anHttp11RequestWithoutHostIsRefusedButAnHttp10OneGetsOneOnTheWay() throws Exception {
        try (RawHttp client = new RawHttp(balancer.port())) {
            assertThat(client.send("GET /slow/x HTTP/1.1\r\n\r\n").read().status()).isEqualTo(400);
        }
        try (RawHttp client = new RawHttp(balancer.port())) {
            RawHttp.Response response = client.send("GET /slow/headers HTTP/1.0\r\n\r\n").read();

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).contains("host=127.0.0.1:" + slow.port());
        }
    }

    /** The route's stable requests by status class, the classes with none left out. */
    private static Map<String, Long> stableRequests(String route) throws Exception {
        JsonNode status = JSON.readTree(http.get(balancer.adminUrl() + "/status").body());
        Map<String, Long> counts = new TreeMap<>();
        for (JsonNode node : status.get("routes")) {
            if (node.get("name").asText().equals(route)) {
                node.at("/pools/stable/requests").fields().forEachRemaining(entry -> {
                    if (entry.getValue().asLong() > 0) {
                        counts.put(entry.getKey(), entry.getValue().asLong());
                    }
                });
            }
        }
        return counts;
    }

    private static double metric(String route, String statusClass) throws Exception {
        return PrometheusText.parse(http.get(balancer.adminUrl() + "/metrics").body())
                .get("canary_balancer_requests").value("canary_balancer_requests_total", Map.of("route", route,
                        "pool", "stable", "status_class", statusClass, "flagged", "false"));
    }

    @Test
    void aMalformedRequestGets400AndTheConnectionCloses() throws Exception {
        try (RawHttp client = new RawHttp(balancer.port())) {
            RawHttp.Response response = client.send("GET /slow HTTP/1.1\r\nHost lb\r\nBad header\r\n\r\n").read();

            assertThat(response.status()).isEqualTo(400);
            assertThat(client.closedByServer()).isTrue();
        }
    }
}
