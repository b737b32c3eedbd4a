package io.canarybalancer.balancer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.canarybalancer.testsupport.Http;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Automated canary analysis in the real jar with real backends: a canary that fails 30% of its
 * requests is rolled back on its own and gets nothing afterwards; a healthy canary is stepped up
 * its schedule to 100%, with the split at each step matching the step's weight.
 */
class CanaryAnalysisIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WINDOW = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    @AutoClose
    private final Started started = new Started();
    private final Http http = new Http();

    @Test
    void aCanaryFailing30PercentIsRolledBackWithinTheWindowAndGetsNoFurtherRequest() throws Exception {
        TestBackend canary = started.add(new TestBackend("canary-1"));
        canary.failPercent(30);
        BalancerProcess balancer = balancer(canary, """
                routes:
                  - name: orders
                    strategy: weight
                    weight: 50
                    analysis: {window: 20s, interval: 100ms, minRequests: 40, errorRateMargin: 0.1}
                """);

        Instant loadStart = Instant.now();
        int sent = driveUntil(balancer, status -> status.path("autoRollback").isObject(), 4_000);

        JsonNode route = route(balancer);
        System.out.printf("Rolled back %d ms after the load started, %d requests sent: %s%n",
                Duration.between(loadStart, Instant.parse(route.path("autoRollback").path("at").asText())).toMillis(),
                sent, route.path("autoRollback").path("reason").asText());
        Instant rolledBackAt = Instant.parse(route.path("autoRollback").path("at").asText());
        assertThat(Duration.between(loadStart, rolledBackAt)).as("rolled back after %d requests", sent)
                .isLessThan(WINDOW);
        assertThat(route.path("autoRollback").path("reason").asText()).contains("canary 5xx rate", "stable 0.0%");
        assertThat(route.path("canaryHalted").asBoolean()).isTrue();
        assertThat(route.path("weight").asInt()).isZero();
        assertThat(route.path("analysis").path("state").asText()).isEqualTo("rolled-back");
        assertThat(route.path("analysis").path("window").path("canaryLimits").path("errorRate").asDouble())
                .as("stable's 0%% plus the margin").isEqualTo(0.1);
        assertThat(balancer.awaitOutput("Canary of route orders rolled back automatically: canary 5xx rate",
                Duration.ofSeconds(5))).isTrue();
        assertThat(metric(balancer, "canary_balancer_analysis_rollbacks_total", "route=\"orders\"", "cause=\"errors\""))
                .isEqualTo(1.0);

        // Requests still in flight at the moment of the rollback may finish; then nothing more.
        int canaryBefore = canary.requests();
        for (int i = 0; i < 100; i++) {
            assertThat(BalancerProcess.pool(get(balancer, "/version"))).isEqualTo("stable");
            assertThat(BalancerProcess.pool(get(balancer, "/version", "X-Canary", "1"))).isEqualTo("stable");
        }
        assertThat(canary.requests()).as("requests reaching the rolled-back canary").isEqualTo(canaryBefore);

        // It stays rolled back until an operator acts; any rollout change lifts it.
        HttpResponse<String> lifted = http.sendJson("PUT", balancer.adminUrl() + "/routes/orders/rollout", "{\"weight\": 0}");
        assertThat(lifted.statusCode()).isEqualTo(200);
        JsonNode after = route(balancer);
        assertThat(after.path("autoRollback").isNull()).isTrue();
        assertThat(after.path("canaryHalted").asBoolean()).isFalse();
        assertThat(BalancerProcess.pool(get(balancer, "/version", "X-Canary", "1"))).isEqualTo("canary");
    }

    @Test
    void aCanaryThatRefusesConnectionsIsRolledBackThoughRetriesHideItFromClients() throws Exception {
        TestBackend canary = new TestBackend("canary-gone");
        canary.close(); // its port now refuses connections: every attempt fails and is retried on stable
        BalancerProcess balancer = balancer(canary, """
                routes:
                  - name: orders
                    strategy: weight
                    weight: 10
                    analysis: {window: 20s, interval: 100ms, minRequests: 20, errorRateMargin: 0.1}
                """);

        driveUntil(balancer, status -> status.path("autoRollback").isObject(), 4_000);

        assertThat(route(balancer).path("autoRollback").path("reason").asText()).contains("canary 5xx rate 100.0%");
        for (int i = 0; i < 50; i++) {
            HttpResponse<String> response = get(balancer, "/version");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(BalancerProcess.pool(response)).isEqualTo("stable");
        }
    }

    @Test
    void aHealthyCanaryIsSteppedUpItsScheduleToAllTrafficWithTheSplitOfEachStep() throws Exception {
        TestBackend canary = started.add(new TestBackend("canary-1"));
        BalancerProcess balancer = balancer(canary, """
                routes:
                  - name: orders
                    strategy: weight
                    analysis:
                      window: 5s
                      interval: 100ms
                      minRequests: 10
                      latencyMargin: 1s   # a healthy canary on a busy 2-core machine: hiccups are not the subject
                      schedule: {steps: [5, 25, 50, 100], pause: 3s}
                """);

        for (int step : new int[] {5, 25, 50, 100}) {
            driveUntil(balancer, status -> {
                assertThat(status.path("autoRollback").isNull()).as("not rolled back: %s", status).isTrue();
                return status.path("weight").asInt() == step;
            }, 200_000);
            // 200 requests in a row are whole cycles of every step's split, wherever the cycle stands.
            AtomicInteger toCanary = new AtomicInteger();
            for (int i = 0; i < 200; i++) {
                HttpResponse<String> response = get(balancer, "/version");
                assertThat(response.statusCode()).isEqualTo(200);
                toCanary.addAndGet(BalancerProcess.pool(response).equals("canary") ? 1 : 0);
            }
            assertThat(route(balancer).path("weight").asInt()).as("still at the step after the count").isEqualTo(step);
            assertThat(toCanary.get()).as("canary answers of 200 at %d%%", step).isEqualTo(2 * step);
        }
        driveUntil(balancer, status -> status.path("analysis").path("state").asText().equals("complete"), 200_000);
        assertThat(metric(balancer, "canary_balancer_analysis_steps_total", "route=\"orders\"")).isEqualTo(3.0);
        assertThat(balancer.output()).contains("Canary of route orders healthy for its step: weight 50% -> 100%");
        assertThat(route(balancer).path("autoRollback").isNull()).isTrue();
    }

    /** Sends GETs under {@link LoadUntil} until {@code condition} holds for the route's status. */
    private int driveUntil(BalancerProcess balancer, Predicate<JsonNode> condition, int limit) throws Exception {
        return LoadUntil.drive(() -> get(balancer, "/version"), () -> route(balancer), condition, limit);
    }

    private HttpResponse<String> get(BalancerProcess balancer, String path, String... headers) throws Exception {
        return http.get(balancer.baseUrl() + path, headers);
    }

    private JsonNode route(BalancerProcess balancer) throws Exception {
        HttpResponse<String> status = http.get(balancer.adminUrl() + "/status");
        return JSON.readTree(status.body()).path("routes").get(0);
    }

    private double metric(BalancerProcess balancer, String name, String... labels) throws Exception {
        String text = http.get(balancer.adminUrl() + "/metrics").body();
        for (String line : text.split("\n")) {
            if (line.startsWith(name + "{") && List.of(labels).stream().allMatch(line::contains)) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no " + name + " with " + List.of(labels) + " in\n" + text);
    }

    private BalancerProcess balancer(TestBackend canary, String routes) throws Exception {
        TestBackend stable = started.add(new TestBackend("stable-1"));
        Path config = TestConfigs.config(dir, TestConfigs.replicas(List.of(stable), List.of(canary)), routes);
        return started.add(BalancerProcess.start(config));
    }
}
