package io.canarybalancer.balancer;

import io.canarybalancer.consuldouble.ConsulDouble;
import io.canarybalancer.consuldouble.ServiceSpec;
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

import static org.assertj.core.api.Assertions.assertThat;

/** The real jar watching the Consul double, as the exercise runs it. */
class ConsulDiscoveryIT {
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

        assertThat(Http.tally(responses, Http::pool)).isEqualTo(Map.of("stable", 300L, "canary", 100L));
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
        // an outgoing connection can hold one for a moment. Try again then, a bounded few times.
        for (int attempt = 1; balancer == null; attempt++) {
            try {
                balancer = BalancerProcess.start(Map.of("CONSUL_HTTP_ADDR", "127.0.0.1:" + consul.port()),
                        List.of("-jar", BalancerProcess.jar().toString()));
            } catch (IllegalStateException e) {
                if (attempt == 3 || !String.valueOf(e.getMessage()).contains("Address already in use")) {
                    throw e;
                }
            }
        }
        awaitTable("stable 3, canary 1");

        assertThat(balancer.port()).isEqualTo(BalancerConfig.DEFAULT_PORT);
        List<HttpResponse<String>> plain = http.concurrentGets("http://127.0.0.1:48151/version", 400);
        List<HttpResponse<String>> flagged = http.concurrentGets("http://127.0.0.1:48151/version", 100,
                "X-Canary", "yes");
        assertThat(Http.tally(plain, Http::pool)).isEqualTo(Map.of("stable", 300L, "canary", 100L));
        assertThat(Http.tally(flagged, Http::pool)).isEqualTo(Map.of("canary", 100L));
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

    private void register(String service, String... names) throws InterruptedException {
        for (String name : names) {
            TestBackend backend = new TestBackend(name);
            backends.add(backend);
            consul.register(ServiceSpec.instance(name, service).address("127.0.0.1").port(backend.port()).passing());
        }
    }

    private void startBalancer(String... consulLines) throws Exception {
        Path config = dir.resolve("balancer.yml");
        Files.writeString(config, "listen: 127.0.0.1:0\nadmin: {listen: 127.0.0.1:0}\ndiscovery:\n  consul:\n    url: "
                + consul.url() + "\n"
                + String.join("", consulLines));
        balancer = BalancerProcess.start(config);
    }

    private void awaitTable(String summary) throws InterruptedException {
        assertThat(balancer.awaitOutput(summary + ")", Duration.ofSeconds(20)))
                .as("routing table with %s; output:%n%s", summary, balancer == null ? "" : balancer.output()).isTrue();
    }

    private static void awaitRequests(TestBackend backend, int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (backend.requests() < count) {
            assertThat(System.nanoTime()).as("%s received %d request(s)", backend.name(), count).isLessThan(deadline);
            Thread.onSpinWait();
        }
    }
}
