package io.canarybalancer.balancer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.canarybalancer.testsupport.Http;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Editing the replica file changes the split while traffic flows, and no request fails. */
class ReloadIT {
    @TempDir
    Path dir;
    TestBackend stable1;
    TestBackend stable2;
    TestBackend canary;
    BalancerProcess balancer;
    final Http http = new Http();

    @BeforeEach
    void start() throws Exception {
        stable1 = new TestBackend("stable-1");
        stable2 = new TestBackend("stable-2");
        canary = new TestBackend("canary-1");
        balancer = BalancerProcess.start(TestConfigs.config(dir,
                TestConfigs.replicas(List.of(stable1, stable2), List.of()), ""));
    }

    @AfterEach
    void stop() {
        balancer.close();
        stable1.close();
        stable2.close();
        canary.close();
    }

    @Test
    void anEditUnderLoadChangesTheSplitWithZeroFailedRequests() throws Exception {
        String url = balancer.baseUrl() + "/version";
        AtomicBoolean canarySeen = new AtomicBoolean();
        AtomicInteger failures = new AtomicInteger();
        CountDownLatch warmedUp = new CountDownLatch(200);
        ExecutorService load = Executors.newFixedThreadPool(4);
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            // Bounded: each worker stops once the canary answered, or after 5,000 requests.
            workers.add(load.submit(() -> {
                for (int i = 0; i < 5_000 && !canarySeen.get(); i++) {
                    warmedUp.countDown();
                    try {
                        HttpResponse<String> response = http.get(url);
                        if (response.statusCode() != 200) {
                            failures.incrementAndGet();
                        } else if (response.body().equals("canary-1")) {
                            canarySeen.set(true);
                        }
                    } catch (Exception e) {
                        failures.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        assertThat(warmedUp.await(30, TimeUnit.SECONDS)).isTrue(); // the load runs on the old table first
        TestConfigs.writeAtomically(dir.resolve("replicas.yml"),
                TestConfigs.replicas(List.of(stable1), List.of(canary)));
        for (Future<?> worker : workers) {
            worker.get(60, TimeUnit.SECONDS);
        }
        load.shutdown();

        assertThat(canarySeen).isTrue();
        assertThat(failures).hasValue(0);
        int stable2Before = stable2.requests();
        List<HttpResponse<String>> after = http.concurrentGets(url, 100);
        assertThat(Http.tally(after, HttpResponse::body)).isEqualTo(Map.of("stable-1", 50L, "canary-1", 50L));
        assertThat(stable2.requests()).isEqualTo(stable2Before);
    }

    @Test
    void replicasThatLeaveTheFileLeaveTheMetricsAndTheEjectionsToo() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort(); // nothing listens there once closed
        }
        TestConfigs.writeAtomically(dir.resolve("replicas.yml"), "service-v1:\n" + TestConfigs.replica(stable1)
                + TestConfigs.replica(stable2) + "  - {address: 127.0.0.1, port: " + closedPort + ", id: dead-1}\n"
                + "service-v2: []\n");
        await().untilAsserted(() -> {
            http.get(balancer.baseUrl() + "/version"); // retried on a live replica when it meets dead-1
            assertThat(status().get("ejections").has("127.0.0.1:" + closedPort)).isTrue();
        });
        assertThat(metrics()).contains("replica=\"stable-2\"");

        TestConfigs.writeAtomically(dir.resolve("replicas.yml"), TestConfigs.replicas(List.of(stable1), List.of()));

        await().untilAsserted(() -> {
            assertThat(metrics()).doesNotContain("replica=\"stable-2\"").contains("replica=\"stable-1\"");
            assertThat(status().get("ejections").size()).isZero();
        });
    }

    private String metrics() throws Exception {
        return http.get(balancer.adminUrl() + "/metrics").body();
    }

    private JsonNode status() throws Exception {
        return new ObjectMapper().readTree(http.get(balancer.adminUrl() + "/status").body());
    }

    @Test
    void anEditThatDoesNotParseKeepsTheLastGoodReplicas() throws Exception {
        TestConfigs.writeAtomically(dir.resolve("replicas.yml"), "service-v1:\n  - {address: 127.0.0.1, port: nope}\n");
        // The rejection is logged by the watcher; wait for that line rather than for time to pass.
        assertThat(balancer.awaitOutput("Replica file edit ignored", Duration.ofSeconds(20))).isTrue();

        assertThat(balancer.output()).contains("port: must be a whole number");
        List<HttpResponse<String>> responses = http.concurrentGets(balancer.baseUrl() + "/version", 20);
        assertThat(Http.tally(responses, HttpResponse::body)).isEqualTo(Map.of("stable-1", 10L, "stable-2", 10L));
    }
}
