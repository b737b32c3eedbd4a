package io.canarybalancer.balancer.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.canarybalancer.balancer.BalancerProcess;
import io.canarybalancer.balancer.TestBackend;
import io.canarybalancer.consuldouble.ConsulDouble;
import io.canarybalancer.consuldouble.catalog.ServiceSpec;
import io.canarybalancer.consuldouble.http.RecordedRequest;
import io.canarybalancer.testsupport.Http;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Two balancer instances on one Consul: rollout state in KV, changed through either, applied by both. */
class RolloutSharingIT {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;
    ConsulDouble consul;
    final List<TestBackend> backends = new ArrayList<>();
    BalancerProcess first;
    BalancerProcess second;
    final Http http = new Http();

    @BeforeEach
    void start() throws Exception {
        consul = ConsulDouble.builder().jitter(false).start();
        for (String name : List.of("stable-1", "stable-2", "stable-3", "canary-1")) {
            TestBackend backend = new TestBackend(name);
            backends.add(backend);
            consul.register(ServiceSpec.instance(name, name.startsWith("canary") ? "service-v2" : "service-v1")
                    .address("127.0.0.1").port(backend.port()).passing());
        }
        Path config = dir.resolve("balancer.yml");
        Files.writeString(config, "listen: 127.0.0.1:0\nadmin: {listen: 127.0.0.1:0}\n"
                + "discovery:\n  consul: {url: '" + consul.url() + "', wait: 5s}\n");
        first = BalancerProcess.start(config);
        second = BalancerProcess.start(config);
        for (BalancerProcess balancer : List.of(first, second)) {
            assertThat(balancer.awaitOutput("stable 3, canary 1)", Duration.ofSeconds(20))).isTrue();
        }
    }

    @AfterEach
    void stop() {
        for (BalancerProcess balancer : new BalancerProcess[] {first, second}) {
            if (balancer != null) {
                balancer.close();
            }
        }
        backends.forEach(TestBackend::close);
        consul.close();
    }

    @Test
    void aWeightChangeThroughOneInstanceIsInEffectOnBothWithinASecond() throws Exception {
        status(second); // a first call warms the other instance's admin path, so the timing below is the change's
        HttpResponse<String> response = send(first, "PUT", "/routes/default/rollout", "{\"strategy\":\"weight\",\"weight\":20}");
        long changed = System.nanoTime(); // the change is stored in Consul once the first instance answers
        assertThat(response.statusCode()).isEqualTo(200);

        awaitRoute(second, route -> route.get("weight").asInt() == 20 && route.get("strategy").asText().equals("weight"),
                Duration.ofSeconds(1));
        long applied = System.nanoTime();
        System.out.printf("Rollout change applied by the other instance after %.1f ms%n", (applied - changed) / 1e6);

        List<HttpResponse<String>> responses = http.concurrentGets(second.baseUrl() + "/version", 1000);
        assertThat(Http.tally(responses, BalancerProcess::pool)).isEqualTo(Map.of("stable", 800L, "canary", 200L));
        assertThat(consul.kvValue("canary-balancer/rollout/default")).hasValueSatisfying(value ->
                assertThat(value).contains("\"weight\":20"));
        assertThat(consul.requests().matching(isPutTo("/v1/kv/canary-balancer/rollout/default")))
                .allSatisfy(put -> assertThat(put.param("cas")).isPresent());
    }

    @Test
    void theRolloutSurvivesARestart() throws Exception {
        send(first, "POST", "/routes/default/promote", "");
        awaitRoute(second, route -> route.get("weight").asInt() == 100, Duration.ofSeconds(5));

        second.close();
        Path config = dir.resolve("balancer.yml");
        second = BalancerProcess.start(config);
        assertThat(second.awaitOutput("(/, weight, stable 3, canary 1)", Duration.ofSeconds(20))).isTrue();

        awaitRoute(second, route -> route.get("weight").asInt() == 100, Duration.ofSeconds(5));
        assertThat(Http.tally(http.concurrentGets(second.baseUrl() + "/version", 40), BalancerProcess::pool))
                .isEqualTo(Map.of("canary", 40L));
    }

    @Test
    void concurrentChangesThroughBothInstancesAreBothKept() throws Exception {
        CompletableFuture<HttpResponse<String>> weight = CompletableFuture.supplyAsync(() ->
                sendUnchecked(first, "PUT", "/routes/default/rollout", "{\"strategy\":\"weight\",\"weight\":30}"));
        CompletableFuture<HttpResponse<String>> pause = CompletableFuture.supplyAsync(() ->
                sendUnchecked(second, "POST", "/routes/default/pause", ""));

        assertThat(weight.join().statusCode()).isEqualTo(200);
        assertThat(pause.join().statusCode()).isEqualTo(200);
        for (BalancerProcess balancer : List.of(first, second)) {
            awaitRoute(balancer, route -> route.get("weight").asInt() == 30 && route.get("paused").asBoolean(),
                    Duration.ofSeconds(5));
        }
    }

    @Test
    void theStatusSaysTheRolloutIsSharedAndShowsTheWatches() throws Exception {
        JsonNode status = status(first);

        assertThat(status.at("/discovery/kind").asText()).isEqualTo("consul");
        assertThat(status.at("/discovery/rolloutShared").asBoolean()).isTrue();
        assertThat(status.at("/discovery/watches")).extracting(watch -> watch.get("service").asText())
                .containsExactlyInAnyOrder("service-v1", "service-v2", "kv:canary-balancer/rollout/");
        assertThat(status.at("/discovery/watches/0/stale").asBoolean()).isFalse();
    }

    private static Predicate<RecordedRequest> isPutTo(String path) {
        return request -> request.method().equals("PUT") && request.path().equals(path);
    }

    private void awaitRoute(BalancerProcess balancer, Predicate<JsonNode> condition, Duration within) {
        await("the route state on " + balancer.adminUrl()).atMost(within).pollInterval(Duration.ofMillis(5))
                .until(() -> AdminApiIT.route(status(balancer), "default"), condition);
    }

    private JsonNode status(BalancerProcess balancer) throws Exception {
        return JSON.readTree(http.get(balancer.adminUrl() + "/status").body());
    }

    private HttpResponse<String> sendUnchecked(BalancerProcess balancer, String method, String path, String body) {
        try {
            return send(balancer, method, path, body);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<String> send(BalancerProcess balancer, String method, String path, String body) throws Exception {
        return http.sendJson(method, balancer.adminUrl() + path, body);
    }
}
