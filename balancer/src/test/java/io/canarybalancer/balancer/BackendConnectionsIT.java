package io.canarybalancer.balancer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.canarybalancer.balancer.admin.PrometheusText;
import io.canarybalancer.testsupport.Http;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The connections to each replica through the real jar: counted in {@code /status} (in use, open,
 * opened, reused from a pool, closed by the backend while idle), and capped by
 * {@code limits.backendConnections}, which bounds the connections in use: a replica at its cap is
 * passed over, and a request that finds every replica at its cap is refused with a 503.
 */
class BackendConnectionsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Long enough to stay in flight while the test looks at the others; the test waits for its answer. */
    private static final String SLOW = "/slow?ms=8000";

    @TempDir
    Path dir;
    @AutoClose
    private final Started started = new Started();
    private final Http http = new Http();

    @Test
    void reusedOpenedAndClosedByTheBackendAreCounted() throws Exception {
        TestBackend stable = started.add(new TestBackend("stable-1"));
        BalancerProcess balancer = start(List.of(stable), "");

        for (int i = 0; i < 20; i++) {
            assertThat(http.get(balancer.baseUrl() + "/orders").statusCode()).isEqualTo(200);
        }

        JsonNode counts = await().atMost(Duration.ofSeconds(10)).until(() -> connections(balancer, 0),
                node -> node.path("inUse").asInt() == 0); // given back just after the answer went out
        long opened = counts.path("opened").asLong();
        assertThat(opened).as("sequential requests share pooled connections").isBetween(1L, 4L);
        assertThat(opened + counts.path("reused").asLong()).as("each request opened or reused one").isEqualTo(20);
        assertThat(counts.path("open").asLong()).isEqualTo(opened);
        assertThat(counts.path("closedByBackend").asLong()).isZero();
        assertThat(counts.path("cap").asInt()).as("no cap unless configured").isZero();
        assertThat(counts.path("refusedAtCap").asLong()).isZero();

        stable.closeConnections(); // the replica's keep-alive timeout ran out; it still listens

        JsonNode after = await().atMost(Duration.ofSeconds(10)).until(() -> connections(balancer, 0),
                node -> node.path("open").asInt() == 0);
        assertThat(after.path("closedByBackend").asLong()).isEqualTo(opened);
        assertThat(http.get(balancer.baseUrl() + "/orders").statusCode()).isEqualTo(200);
        assertThat(connections(balancer, 0).path("opened").asLong()).as("a new one, nothing idle left")
                .isEqualTo(opened + 1);
    }

    @Test
    void theCountsAreMetricsTooReadAtScrapeTime() throws Exception {
        TestBackend stable = started.add(new TestBackend("stable-1"));
        BalancerProcess balancer = start(List.of(stable), "limits: {backendConnections: 3}\n");
        for (int i = 0; i < 10; i++) {
            assertThat(http.get(balancer.baseUrl() + "/orders").statusCode()).isEqualTo(200);
        }
        JsonNode counts = await().atMost(Duration.ofSeconds(10)).until(() -> connections(balancer, 0),
                node -> node.path("inUse").asInt() == 0);
        String address = status(balancer).path("routes").get(0).path("pools").path("stable").path("replicas").get(0)
                .path("address").asText();

        Map<String, PrometheusText.Family> metrics = PrometheusText.parse(
                http.get(balancer.adminUrl() + "/metrics").body());

        Map<String, String> of = Map.of("address", address);
        assertThat(metrics.get("canary_balancer_backend_connections_opened")
                .value("canary_balancer_backend_connections_opened_total", of)).isEqualTo(counts.path("opened").asLong());
        assertThat(metrics.get("canary_balancer_backend_connections_reused")
                .value("canary_balancer_backend_connections_reused_total", of)).isEqualTo(counts.path("reused").asLong());
        assertThat(metrics.get("canary_balancer_backend_connections_opened")
                .value("canary_balancer_backend_connections_opened_total", of)
                + metrics.get("canary_balancer_backend_connections_reused")
                .value("canary_balancer_backend_connections_reused_total", of)).as("each request one").isEqualTo(10);
        PrometheusText.Family open = metrics.get("canary_balancer_backend_connections");
        assertThat(open.value("canary_balancer_backend_connections", Map.of("address", address, "state", "in_use")))
                .isZero();
        assertThat(open.value("canary_balancer_backend_connections", Map.of("address", address, "state", "idle")))
                .isEqualTo(counts.path("open").asLong());
        assertThat(metrics.get("canary_balancer_backend_connections_cap")
                .value("canary_balancer_backend_connections_cap", Map.of())).isEqualTo(3);
        assertThat(metrics.get("canary_balancer_backend_connections_refused")
                .value("canary_balancer_backend_connections_refused_total", of)).isZero();
        assertThat(metrics.get("canary_balancer_backend_connections_closed_by_backend")
                .value("canary_balancer_backend_connections_closed_by_backend_total", of)).isZero();
    }

    @Test
    void idleConnectionsOnOtherEventLoopsLeaveRoomUnderTheCap() throws Exception {
        TestBackend stable = started.add(new TestBackend("stable-1"));
        BalancerProcess balancer = start(List.of(stable), "ioThreads: 4\nlimits: {backendConnections: 1}\n");

        // Each new client connection goes to the next event loop, which has no idle connection of
        // its own at first: a cap that counted the idle ones on other loops would refuse it.
        for (int i = 0; i < 8; i++) {
            try (RawHttp client = new RawHttp(balancer.port())) {
                RawHttp.Response response = client.send("GET /orders HTTP/1.1\r\nHost: test\r\n\r\n").read();
                assertThat(response.status()).as("request %d", i).isEqualTo(200);
            }
        }

        JsonNode counts = await().atMost(Duration.ofSeconds(10)).until(() -> connections(balancer, 0),
                node -> node.path("inUse").asInt() == 0);
        assertThat(counts.path("open").asInt()).as("idle on several loops at a cap of 1").isGreaterThan(1);
        assertThat(counts.path("refusedAtCap").asLong()).isZero();
    }

    @Test
    void aReplicaAtItsCapIsPassedOverAndWithEveryOneAtItsCapTheRequestIsRefused() throws Exception {
        List<TestBackend> stable = List.of(started.add(new TestBackend("stable-1")),
                started.add(new TestBackend("stable-2")));
        BalancerProcess balancer = start(stable, "limits: {backendConnections: 1}\n");

        CompletableFuture<HttpResponse<String>> first = slow(balancer);
        int full = await().atMost(Duration.ofSeconds(10)).until(() -> replicaInUse(balancer), index -> index >= 0);
        TestBackend other = stable.get(1 - full);
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> response = http.get(balancer.baseUrl() + "/orders");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).as("request %d passes over the full replica", i).isEqualTo(other.name());
        }

        CompletableFuture<HttpResponse<String>> second = slow(balancer);
        await().atMost(Duration.ofSeconds(10)).until(() -> connections(balancer, 1 - full).path("inUse").asInt() == 1);
        int before = stable.get(0).requests() + stable.get(1).requests();
        HttpResponse<String> refused = http.get(balancer.baseUrl() + "/orders");

        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.body()).contains("limits.backendConnections");
        assertThat(stable.get(0).requests() + stable.get(1).requests()).as("no replica saw it").isEqualTo(before);
        JsonNode status = status(balancer);
        JsonNode pool = status.path("routes").get(0).path("pools").path("stable");
        assertThat(pool.path("errors").asLong()).as("not counted against the pool").isZero();
        for (JsonNode replica : pool.path("replicas")) {
            assertThat(replica.path("health").asText()).as("passive health blames nobody").isEqualTo("passing");
        }
        assertThat(pool.path("replicas").findValues("refusedAtCap")).as("the request found each one full in turn")
                .extracting(JsonNode::asLong).containsExactly(1L, 1L);

        assertThat(first.join().statusCode()).isEqualTo(200);
        assertThat(second.join().statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> connections(balancer, 0).path("inUse").asInt() == 0
                && connections(balancer, 1).path("inUse").asInt() == 0);
        assertThat(http.get(balancer.baseUrl() + "/orders").statusCode()).as("room again").isEqualTo(200);
    }

    private CompletableFuture<HttpResponse<String>> slow(BalancerProcess balancer) {
        return http.getAsync(balancer.baseUrl() + SLOW);
    }

    private BalancerProcess start(List<TestBackend> stable, String more) throws Exception {
        Path config = TestConfigs.config(dir, TestConfigs.replicas(stable, List.of()), more);
        return started.add(BalancerProcess.start(config));
    }

    private JsonNode status(BalancerProcess balancer) throws Exception {
        return JSON.readTree(http.get(balancer.adminUrl() + "/status").body());
    }

    /** The connections of the stable replica at {@code index}, as {@code /status} shows them. */
    private JsonNode connections(BalancerProcess balancer, int index) throws Exception {
        return status(balancer).path("routes").get(0).path("pools").path("stable").path("replicas").get(index)
                .path("connections");
    }

    /** The index of the one stable replica with a connection in use, or -1 while none has one. */
    private int replicaInUse(BalancerProcess balancer) throws Exception {
        for (int index = 0; index < 2; index++) {
            if (connections(balancer, index).path("inUse").asInt() == 1) {
                return index;
            }
        }
        return -1;
    }
}
