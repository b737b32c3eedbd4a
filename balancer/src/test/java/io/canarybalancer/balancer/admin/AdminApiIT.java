package io.canarybalancer.balancer.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.canarybalancer.balancer.BalancerProcess;
import io.canarybalancer.balancer.RawHttp;
import io.canarybalancer.balancer.TestBackend;
import io.canarybalancer.balancer.TestConfigs;
import io.canarybalancer.testsupport.Http;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Every admin endpoint of the real jar, with file discovery (rollout state kept in the balancer). */
class AdminApiIT {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    static final List<TestBackend> stable = new ArrayList<>();
    static TestBackend canary;
    static BalancerProcess balancer;
    static final Http http = new Http();

    @BeforeAll
    static void start() throws Exception {
        for (int i = 1; i <= 3; i++) {
            stable.add(new TestBackend("stable-" + i));
        }
        canary = new TestBackend("canary-1");
        balancer = BalancerProcess.start(TestConfigs.config(dir, TestConfigs.replicas(stable, List.of(canary)), """
                accessLog: true
                routes:
                  - {name: message, pathPrefix: /}
                  - {name: credit, pathPrefix: /credit, strategy: header}
                  - {name: flags, pathPrefix: /flags}
                """));
    }

    @AfterAll
    static void stop() {
        balancer.close();
        stable.forEach(TestBackend::close);
        canary.close();
    }

    @BeforeEach
    void resetRollout() throws Exception {
        send("PUT", "/routes/message/rollout", "{\"strategy\":\"replicas\",\"weight\":0,\"paused\":false}");
    }

    @Test
    void flaggedRequestsAreCountedApartAndLeaveTheObservedShareToUnflaggedOnes() throws Exception {
        http.concurrentGets(balancer.baseUrl() + "/flags/version", 400, "X-Canary", "1");
        http.concurrentGets(balancer.baseUrl() + "/flags/version", 400);

        JsonNode flags = route(status(), "flags");
        assertThat(flags.at("/pools/canary/flaggedRequests").asLong()).isEqualTo(400);
        assertThat(flags.at("/pools/canary/unflaggedRequests").asLong()).isEqualTo(100);
        assertThat(flags.at("/pools/stable/flaggedRequests").asLong()).isZero();
        assertThat(flags.at("/pools/stable/unflaggedRequests").asLong()).isEqualTo(300);
        assertThat(flags.at("/pools/canary/requestsTotal").asLong()).isEqualTo(500);
        assertThat(flags.at("/pools/canary/observedShare").asDouble()).isEqualTo(0.25);
        assertThat(flags.at("/pools/canary/expectedShare").asDouble()).isEqualTo(0.25);
        assertThat(flags.at("/flagged/canary").asLong()).isEqualTo(400);
        assertThat(flags.at("/flagged/stable").asLong()).isZero();
        PrometheusText.Family requests = PrometheusText.parse(http.get(balancer.adminUrl() + "/metrics").body())
                .get("canary_balancer_requests");
        assertThat(requests.value("canary_balancer_requests_total",
                Map.of("route", "flags", "pool", "canary", "status_class", "2xx", "flagged", "true"))).isEqualTo(400);
        assertThat(requests.value("canary_balancer_requests_total",
                Map.of("route", "flags", "pool", "canary", "status_class", "2xx", "flagged", "false"))).isEqualTo(100);
    }

    @Test
    void statusShowsRoutesPoolsReplicasSharesAndCounts() throws Exception {
        http.concurrentGets(balancer.baseUrl() + "/version", 400);

        JsonNode status = status();
        assertThat(status.at("/discovery/kind").asText()).isEqualTo("file");
        assertThat(status.at("/discovery/rolloutShared").asBoolean()).isFalse();
        JsonNode message = route(status, "message");
        assertThat(message.get("strategy").asText()).isEqualTo("replicas");
        assertThat(message.at("/pools/canary/expectedShare").asDouble()).isEqualTo(0.25);
        assertThat(message.at("/pools/stable/expectedShare").asDouble()).isEqualTo(0.75);
        assertThat(message.at("/pools/canary/requests/2xx").asLong()).isGreaterThanOrEqualTo(100);
        assertThat(message.at("/pools/canary/observedShare").asDouble()).isBetween(0.2, 0.3);
        assertThat(message.at("/pools/stable/replicas")).hasSize(3);
        JsonNode replica = message.at("/pools/canary/replicas/0");
        assertThat(replica.get("id").asText()).isEqualTo("canary-1");
        assertThat(replica.get("address").asText()).isEqualTo("127.0.0.1:" + canary.port());
        assertThat(replica.get("expectedShare").asDouble()).isEqualTo(0.25);
        assertThat(replica.get("requests").asLong()).isGreaterThanOrEqualTo(100);
        assertThat(route(status, "credit").at("/pools/canary/expectedShare").asDouble()).isZero();
    }

    @Test
    void aWeightChangeTakesEffectAtOnceAndExactly() throws Exception {
        HttpResponse<String> changed = send("PUT", "/routes/message/rollout", "{\"strategy\":\"weight\",\"weight\":20}");

        assertThat(changed.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(changed.body()).get("weight").asInt()).isEqualTo(20);
        assertThat(Http.tally(http.concurrentGets(balancer.baseUrl() + "/version", 500), BalancerProcess::pool))
                .isEqualTo(Map.of("stable", 400L, "canary", 100L));
        assertThat(route(status(), "message").at("/pools/canary/expectedShare").asDouble()).isEqualTo(0.2);
    }

    @Test
    void promoteRollbackPauseAndResume() throws Exception {
        assertThat(send("POST", "/routes/message/promote", "").statusCode()).isEqualTo(200);
        assertThat(Http.tally(http.concurrentGets(balancer.baseUrl() + "/version", 40), BalancerProcess::pool))
                .isEqualTo(Map.of("canary", 40L));

        assertThat(send("POST", "/routes/message/rollback", "").statusCode()).isEqualTo(200);
        assertThat(Http.tally(http.concurrentGets(balancer.baseUrl() + "/version", 40), BalancerProcess::pool))
                .isEqualTo(Map.of("stable", 40L));

        send("PUT", "/routes/message/rollout", "{\"weight\":50}");
        assertThat(send("POST", "/routes/message/pause", "").statusCode()).isEqualTo(200);
        assertThat(Http.tally(http.concurrentGets(balancer.baseUrl() + "/version", 40), BalancerProcess::pool))
                .isEqualTo(Map.of("stable", 40L));
        JsonNode paused = route(status(), "message");
        assertThat(paused.get("paused").asBoolean()).isTrue();
        assertThat(paused.get("weight").asInt()).isEqualTo(50);

        assertThat(send("POST", "/routes/message/resume", "").statusCode()).isEqualTo(200);
        assertThat(Http.tally(http.concurrentGets(balancer.baseUrl() + "/version", 40), BalancerProcess::pool))
                .isEqualTo(Map.of("stable", 20L, "canary", 20L));
    }

    @Test
    void flaggedRequestsStillReachTheCanaryAfterARollback() throws Exception {
        send("POST", "/routes/message/rollback", "");

        assertThat(Http.tally(http.concurrentGets(balancer.baseUrl() + "/version", 20, "X-Canary", "1"), BalancerProcess::pool))
                .isEqualTo(Map.of("canary", 20L));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "bad strategy | PUT | /routes/message/rollout | {\"strategy\":\"blue-green\"} | unknown strategy 'blue-green'",
            "weight above 100 | PUT | /routes/message/rollout | {\"weight\":101} | weight must be a whole number from 0 to 100, got 101",
            "negative weight | PUT | /routes/message/rollout | {\"weight\":-1} | weight must be a whole number from 0 to 100, got -1",
            "weight not a number | PUT | /routes/message/rollout | {\"weight\":\"ten\"} | weight must be a whole number",
            "unknown field | PUT | /routes/message/rollout | {\"percent\":5} | unknown field 'percent'",
            "not JSON | PUT | /routes/message/rollout | weight=5 | the body is not JSON",
            "empty body | PUT | /routes/message/rollout | '' | must be a JSON object",
            "paused not boolean | PUT | /routes/message/rollout | {\"paused\":\"yes\"} | paused must be true or false",
            "unknown route | POST | /routes/payments/promote | '' | unknown route 'payments' (routes: message, credit, flags)",
            "unknown route with body | PUT | /routes/payments/rollout | {\"weight\":5} | unknown route 'payments'",
    })
    void badInputIsRefusedWith400AndChangesNothing(String problem, String method, String path, String body,
                                                   String error) throws Exception {
        JsonNode before = route(status(), "message");

        HttpResponse<String> response = send(method, path, body);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).get("error").asText()).contains(error);
        JsonNode after = route(status(), "message");
        assertThat(after.get("strategy")).isEqualTo(before.get("strategy"));
        assertThat(after.get("weight")).isEqualTo(before.get("weight"));
        assertThat(after.get("paused")).isEqualTo(before.get("paused"));
    }

    @Test
    void wrongMethodsAndUnknownPathsAreRefused() throws Exception {
        assertThat(send("GET", "/routes/message/promote", "").statusCode()).isEqualTo(405);
        assertThat(send("POST", "/routes/message/rollout", "{\"weight\":1}").statusCode()).isEqualTo(405);
        assertThat(send("DELETE", "/status", "").statusCode()).isEqualTo(405);
        assertThat(send("GET", "/nope", "").statusCode()).isEqualTo(404);
        assertThat(send("POST", "/routes/message/explode", "").statusCode()).isEqualTo(404);
    }

    @Test
    void theDashboardIsServed() throws Exception {
        HttpResponse<String> page = http.get(balancer.adminUrl() + "/");

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
        assertThat(page.body()).contains("Canary Balancer");
    }

    @Test
    void metricsParseAsPrometheusTextAndCountWhatWasServed() throws Exception {
        http.concurrentGets(balancer.baseUrl() + "/version", 40);

        HttpResponse<String> metrics = http.get(balancer.adminUrl() + "/metrics");

        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(type ->
                assertThat(type).startsWith("text/plain").contains("version=0.0.4"));
        Map<String, PrometheusText.Family> families = PrometheusText.parse(metrics.body());
        assertThat(families).containsKeys("canary_balancer_requests", "canary_balancer_request_duration_seconds",
                "canary_balancer_replicas", "canary_balancer_replica_requests", "canary_balancer_canary_expected_share",
                "canary_balancer_rollout_weight_percent", "canary_balancer_unrouted_requests");
        assertThat(families.get("canary_balancer_requests").type()).isEqualTo("counter");
        assertThat(families.get("canary_balancer_request_duration_seconds").type()).isEqualTo("histogram");
        assertThat(families.get("canary_balancer_requests").value("canary_balancer_requests_total",
                Map.of("route", "message", "pool", "canary", "status_class", "2xx", "flagged", "false"))).isGreaterThanOrEqualTo(10);
        assertThat(families.get("canary_balancer_replicas").value("canary_balancer_replicas",
                Map.of("route", "message", "pool", "stable"))).isEqualTo(3);
    }

    @Test
    void theAccessLogHasOneStructuredLinePerRequest() throws Exception {
        http.get(balancer.baseUrl() + "/access-log-probe");

        assertThat(balancer.awaitOutput("target=/access-log-probe", Duration.ofSeconds(10))).isTrue();
        assertThat(balancer.output()).containsPattern(
                "access - route=message pool=(stable|canary) replica=\\S+ flagged=false status=200 duration_ms=\\d+\\.\\d{3} "
                        + "method=GET target=/access-log-probe");
    }

    @Test
    void aStateChangeWithoutJsonContentTypeIsRefusedAndChangesNothing() throws Exception {
        // What a page may send across origins without asking first: no type, or a "simple" one.
        HttpResponse<String> untyped = http.client().send(Http.request(balancer.adminUrl() + "/routes/message/promote")
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> plain = http.client().send(Http.request(balancer.adminUrl() + "/routes/message/rollout")
                .header("Content-Type", "text/plain").PUT(HttpRequest.BodyPublishers.ofString("{\"weight\":90}"))
                .build(),
                HttpResponse.BodyHandlers.ofString());

        for (HttpResponse<String> refused : List.of(untyped, plain)) {
            assertThat(refused.statusCode()).isEqualTo(403);
            assertThat(JSON.readTree(refused.body()).get("error").asText())
                    .contains("Content-Type: application/json");
        }
        assertThat(route(status(), "message").get("weight").asInt()).isZero();
    }

    @ParameterizedTest(name = "Origin: {0}")
    @CsvSource({"http://evil.example", "null", "http://127.0.0.1:1", "https://127.0.0.1"})
    void aStateChangeFromAnotherOriginIsRefused(String origin) throws Exception {
        try (RawHttp client = new RawHttp(balancer.adminPort())) {
            RawHttp.Response refused = client.send("POST /routes/message/promote HTTP/1.1\r\n"
                    + "Host: 127.0.0.1:" + balancer.adminPort() + "\r\nOrigin: " + origin + "\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 0\r\n\r\n").read();

            assertThat(refused.status()).isEqualTo(403);
            assertThat(JSON.readTree(refused.body()).get("error").asText()).contains("Origin");
        }
        assertThat(route(status(), "message").get("weight").asInt()).isZero();
    }

    @Test
    void aStateChangeFromTheAdminListenersOwnOriginIsAccepted() throws Exception {
        try (RawHttp client = new RawHttp(balancer.adminPort())) {
            RawHttp.Response accepted = client.send("POST /routes/message/promote HTTP/1.1\r\n"
                    + "Host: localhost:" + balancer.adminPort() + "\r\nOrigin: http://localhost:" + balancer.adminPort()
                    + "\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: 0\r\n\r\n").read();

            assertThat(accepted.status()).isEqualTo(200);
        }
        assertThat(route(status(), "message").get("weight").asInt()).isEqualTo(100);
    }

    @ParameterizedTest(name = "Host: {0}")
    @CsvSource({"GET, /status, rebound.example", "GET, /, rebound.example", "GET, /metrics, 127.0.0.1.nip.example",
            "PUT, /routes/message/rollout, rebound.example"})
    void aRequestForAnotherHostIsRefused(String method, String path, String host) throws Exception {
        // DNS rebinding: a name the attacker controls now resolves to 127.0.0.1.
        try (RawHttp client = new RawHttp(balancer.adminPort())) {
            RawHttp.Response refused = client.send(method + " " + path + " HTTP/1.1\r\nHost: " + host + ":"
                    + balancer.adminPort() + "\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n"
                    + "{\"weight\":9}").read();

            assertThat(refused.status()).isEqualTo(403);
            assertThat(refused.header("Content-Type")).startsWith("application/json");
            assertThat(JSON.readTree(refused.body()).get("error").asText()).contains("Host");
        }
        assertThat(route(status(), "message").get("weight").asInt()).isZero();
    }

    @Test
    void requestsWithoutAHostAreRefused() throws Exception {
        try (RawHttp client = new RawHttp(balancer.adminPort())) {
            RawHttp.Response refused = client.send("GET /status HTTP/1.0\r\n\r\n").read();

            assertThat(refused.status()).isEqualTo(403);
        }
    }

    @Test
    void theListenersAddressAndLocalhostAreAcceptedAsHost() throws Exception {
        int port = balancer.adminPort();
        for (String host : List.of("127.0.0.1:" + port, "localhost:" + port, "LOCALHOST", "127.0.0.1")) {
            try (RawHttp client = new RawHttp(balancer.adminPort())) {
                assertThat(client.send("GET /status HTTP/1.1\r\nHost: " + host + "\r\n\r\n").read().status())
                        .as(host).isEqualTo(200);
            }
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInRequestOrder() throws Exception {
        String host = "Host: 127.0.0.1:" + balancer.adminPort() + "\r\nContent-Type: application/json\r\n";
        try (RawHttp client = new RawHttp(balancer.adminPort())) {
            for (int round = 0; round < 20; round++) {
                String weight = "{\"strategy\":\"weight\",\"weight\":" + round + "}";
                // Three requests in one write: a change that runs on the worker thread, a read answered
                // at once on the event loop, and another change.
                client.send("PUT /routes/message/rollout HTTP/1.1\r\n" + host + "Content-Length: " + weight.length()
                        + "\r\n\r\n" + weight
                        + "GET /status HTTP/1.1\r\n" + host + "\r\n"
                        + "POST /routes/message/pause HTTP/1.1\r\n" + host + "Content-Length: 0\r\n\r\n");

                JsonNode changed = JSON.readTree(client.read().body());
                JsonNode status = JSON.readTree(client.read().body());
                JsonNode paused = JSON.readTree(client.read().body());

                assertThat(changed.path("weight").asInt(-1)).as("round %d, first answer: %s", round, changed)
                        .isEqualTo(round);
                assertThat(changed.get("paused").asBoolean()).isFalse();
                assertThat(status.has("routes")).as("round %d, second answer: %s", round, status).isTrue();
                assertThat(route(status, "message").get("weight").asInt()).isEqualTo(round);
                assertThat(paused.get("paused").asBoolean()).as("round %d, third answer: %s", round, paused).isTrue();
                client.send("POST /routes/message/resume HTTP/1.1\r\n" + host + "Content-Length: 0\r\n\r\n").read();
            }
        }
    }

    private static JsonNode status() throws Exception {
        HttpResponse<String> response = http.get(balancer.adminUrl() + "/status");
        assertThat(response.statusCode()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    static JsonNode route(JsonNode status, String name) {
        for (JsonNode route : status.get("routes")) {
            if (route.get("name").asText().equals(name)) {
                return route;
            }
        }
        throw new AssertionError("no route " + name + " in " + status);
    }

    private static HttpResponse<String> send(String method, String path, String body) throws Exception {
        return http.sendJson(method, balancer.adminUrl() + path, body);
    }

}
