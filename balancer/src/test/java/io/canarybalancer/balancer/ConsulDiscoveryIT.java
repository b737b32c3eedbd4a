package io.canarybalancer.balancer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.canarybalancer.balancer.config.BalancerConfig;
import io.canarybalancer.consuldouble.ConsulDouble;
import io.canarybalancer.consuldouble.catalog.ServiceSpec;
import io.canarybalancer.testsupport.Http;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The real jar watching the Consul double, as the exercise runs it. */
class ConsulDiscoveryIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;
    ConsulDouble consul;
    final List<TestBackend> backends = new ArrayList<>();
    BalancerProcess balancer;
    final Http http = new Http();

    @BeforeEach
    void startConsul() {
        consul = ConsulDouble.builder().autoPassNewChecks(true).jitter(false).start();
    }

    @AfterEach
    void stop() {
        if (balancer != null) {
            balancer.close();
        }
        backends.forEach(TestBackend::close);
        consul.close();
    }

    @Test
    void threeStableAndOneCanaryRegisteredInConsulGiveExactlyOneHundredOfFourHundred() throws Exception {
        register("service-v1", "stable-1", "stable-2", "stable-3");
        register("service-v2", "canary-1");
        startBalancer();
        awaitTable("stable 3, canary 1");

        List<HttpResponse<String>> responses = http.concurrentGets(balancer.baseUrl() + "/version", 400);

        assertThat(Http.tally(responses, BalancerProcess::pool)).isEqualTo(Map.of("stable", 300L, "canary", 100L));
        assertThat(consul.requests().forPath("/v1/health/service/service-v1"))
                .anySatisfy(request -> assertThat(request.param("index")).isPresent());
    }

    @Test
    void aReplicaRegisteredLaterStartsReceivingTraffic() throws Exception {
        register("service-v1", "stable-1");
        startBalancer();
        awaitTable("stable 1, canary 0");

        register("service-v2", "canary-1");
        awaitTable("stable 1, canary 1");

        assertThat(Http.tally(http.concurrentGets(balancer.baseUrl() + "/version", 20), HttpResponse::body))
                .isEqualTo(Map.of("stable-1", 10L, "canary-1", 10L));
    }

    @Test
    void aDeregisteredReplicaGetsNoNewRequestButFinishesTheOnesItHas() throws Exception {
        register("service-v1", "stable-1", "stable-2");
        startBalancer();
        awaitTable("stable 2, canary 0");
        // two slow requests in flight, one on each replica
        List<CompletableFuture<HttpResponse<String>>> inFlight = List.of(
                http.client().sendAsync(Http.request(balancer.baseUrl() + "/slow?ms=1500").build(),
                        HttpResponse.BodyHandlers.ofString()),
                http.client().sendAsync(Http.request(balancer.baseUrl() + "/slow?ms=1500").build(),
                        HttpResponse.BodyHandlers.ofString()));
        awaitRequests(backends.get(0), 1);
        awaitRequests(backends.get(1), 1);

        consul.deregister("stable-1");
        awaitTable("stable 1, canary 0");

        assertThat(inFlight).allSatisfy(future -> assertThat(future.join().statusCode()).isEqualTo(200));
        assertThat(inFlight.stream().map(future -> future.join().body())).containsExactlyInAnyOrder("stable-1", "stable-2");
        assertThat(Http.tally(http.concurrentGets(balancer.baseUrl() + "/version", 20), HttpResponse::body))
                .isEqualTo(Map.of("stable-2", 20L));
    }

    @Test
    void aReplicaWhoseCheckTurnsCriticalStopsReceivingTraffic() throws Exception {
        register("service-v1", "stable-1", "stable-2");
        startBalancer();
        awaitTable("stable 2, canary 0");

        consul.setCheckStatus("service:stable-2", "critical");
        awaitTable("stable 1, canary 0");

        assertThat(Http.tally(http.concurrentGets(balancer.baseUrl() + "/version", 20), HttpResponse::body))
                .isEqualTo(Map.of("stable-1", 20L));
    }

    @Test
    void withoutAConfigTheSeedSetupWatchesConsulAtConsulHttpAddr() throws Exception {
        register("service-v1", "stable-1", "stable-2", "stable-3");
        register("service-v2", "canary-1");
        // The seed's fixed ports (48151, 48152) lie in Linux's ephemeral range: on a busy test machine
        // an outgoing connection can hold one (.ci/run reserves them; a developer's machine may not).
        // Wait, bounded, until both are free, and try again a few times if one is taken in between.
        awaitBindable(BalancerConfig.DEFAULT_PORT, BalancerConfig.DEFAULT_PORT + 1);
        for (int attempt = 1; balancer == null; attempt++) {
            try {
                balancer = BalancerProcess.start(Map.of("CONSUL_HTTP_ADDR", "127.0.0.1:" + consul.port()),
                        List.of("-jar", BalancerProcess.jar().toString()));
            } catch (IllegalStateException e) {
                if (attempt == 3 || !String.valueOf(e.getMessage()).contains("Address already in use")) {
                    throw e;
                }
                awaitBindable(BalancerConfig.DEFAULT_PORT, BalancerConfig.DEFAULT_PORT + 1);
            }
        }
        awaitTable("stable 3, canary 1");

        assertThat(balancer.port()).isEqualTo(BalancerConfig.DEFAULT_PORT);
        List<HttpResponse<String>> plain = http.concurrentGets("http://127.0.0.1:48151/version", 400);
        List<HttpResponse<String>> flagged = http.concurrentGets("http://127.0.0.1:48151/version", 100,
                "X-Canary", "yes");
        assertThat(Http.tally(plain, BalancerProcess::pool)).isEqualTo(Map.of("stable", 300L, "canary", 100L));
        assertThat(Http.tally(flagged, BalancerProcess::pool)).isEqualTo(Map.of("canary", 100L));
    }

    @Test
    void theTokenIsSentAsAHeaderNotInTheUrl() throws Exception {
        register("service-v1", "stable-1");
        startBalancer("    token: s3cret\n");
        awaitTable("stable 1, canary 0");

        assertThat(consul.requests().forPath("/v1/health/service/service-v1")).allSatisfy(request -> {
            assertThat(request.header("X-Consul-Token")).hasValue("s3cret");
            assertThat(request.param("token")).isEmpty();
        });
    }

    @Test
    void unusableInstancesAreSkippedAndCountedWhileTheOthersAreRoutedAndLaterChangesApply() throws Exception {
        register("service-v1", "stable-1", "stable-2");
        consul.register(ServiceSpec.instance("no-port", "service-v1").address("127.0.0.1").passing());
        consul.register(ServiceSpec.instance("port-too-high", "service-v1").address("127.0.0.1").port(70_000).passing());
        consul.register(ServiceSpec.instance("bad-address", "service-v1").address("not a host!").port(1).passing());
        startBalancer();
        awaitTable("stable 2, canary 0");

        assertThat(Http.tally(http.concurrentGets(balancer.baseUrl() + "/version", 20), HttpResponse::body))
                .isEqualTo(Map.of("stable-1", 10L, "stable-2", 10L));
        JsonNode watch = watch("service-v1");
        assertThat(watch.path("skippedInstances").asInt()).isEqualTo(3);
        assertThat(watch.path("skipped").findValuesAsText("id"))
                .containsExactlyInAnyOrder("no-port", "port-too-high", "bad-address");
        assertThat(watch.path("stale").asBoolean()).isFalse();
        assertThat(http.get(balancer.adminUrl() + "/metrics").body())
                .contains("canary_balancer_consul_watch_skipped_instances{service=\"service-v1\"} 3");
        assertThat(balancer.output()).containsOnlyOnce("no-port");

        register("service-v1", "stable-3");
        register("service-v2", "canary-1");
        awaitTable("stable 3, canary 1");
        assertThat(Http.tally(http.concurrentGets(balancer.baseUrl() + "/version", 40), HttpResponse::body))
                .isEqualTo(Map.of("stable-1", 10L, "stable-2", 10L, "stable-3", 10L, "canary-1", 10L));
        assertThat(balancer.output()).containsOnlyOnce("no-port");
    }

    @Test
    void beforeConsulAnswersTheRouteAnswers503NamingItselfAndTheReason() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort(); // nothing listens there once closed
        }
        String consulUrl = "http://127.0.0.1:" + closedPort;
        startBalancerWithConsulAt(consulUrl);

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            HttpResponse<String> response = http.get(balancer.baseUrl() + "/anything");
            assertThat(response.statusCode()).isEqualTo(503);
            JsonNode body = JSON.readTree(response.body());
            assertThat(body.path("route").asText()).isEqualTo("default");
            assertThat(body.path("error").asText()).startsWith("waiting for Consul at " + consulUrl + ": ")
                    .containsIgnoringCase("refused");
        });
        JsonNode route = JSON.readTree(http.get(balancer.adminUrl() + "/status").body()).path("routes").get(0);
        assertThat(route.path("name").asText()).isEqualTo("default");
        assertThat(route.path("waiting").asText()).startsWith("waiting for Consul at " + consulUrl + ": ");
    }

    private JsonNode watch(String service) throws Exception {
        JsonNode status = JSON.readTree(http.get(balancer.adminUrl() + "/status").body());
        for (JsonNode watch : status.path("discovery").path("watches")) {
            if (watch.path("service").asText().equals(service)) {
                return watch;
            }
        }
        throw new AssertionError("no watch of " + service + " in " + status);
    }

    private void register(String service, String... names) throws InterruptedException {
        for (String name : names) {
            TestBackend backend = new TestBackend(name);
            backends.add(backend);
            consul.register(ServiceSpec.instance(name, service).address("127.0.0.1").port(backend.port()).passing());
        }
    }

    private void startBalancer(String... consulLines) throws Exception {
        startBalancerWithConsulAt(consul.url(), consulLines);
    }

    private void startBalancerWithConsulAt(String consulUrl, String... consulLines) throws Exception {
        Path config = dir.resolve("balancer.yml");
        Files.writeString(config, "listen: 127.0.0.1:0\nadmin: {listen: 127.0.0.1:0}\ndiscovery:\n  consul:\n    url: "
                + consulUrl + "\n"
                + String.join("", consulLines));
        balancer = BalancerProcess.start(config);
    }

    private void awaitTable(String summary) throws InterruptedException {
        assertThat(balancer.awaitOutput(summary + ")", Duration.ofSeconds(20)))
                .as("routing table with %s; output:%n%s", summary, balancer == null ? "" : balancer.output()).isTrue();
    }

    private static void awaitRequests(TestBackend backend, int count) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1))
                .untilAsserted(() -> assertThat(backend.requests()).as("requests to %s", backend.name())
                        .isGreaterThanOrEqualTo(count));
    }

    /** Waits until every port can be bound on all addresses, as the balancer will bind them. */
    private static void awaitBindable(int... ports) {
        await("ports " + Arrays.toString(ports) + " free").atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    for (int port : ports) {
                        try (ServerSocket probe = new ServerSocket()) {
                            probe.setReuseAddress(true);
                            probe.bind(new InetSocketAddress(port));
                        } catch (IOException busy) {
                            return false;
                        }
                    }
                    return true;
                });
    }
}
