package io.canarybalancer.balancer;

import io.canarybalancer.testsupport.Http;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One replica killed and another stalled under load: GETs never fail (retried on another replica,
 * the failing ones ejected), a POST is retried only when it was never sent, and none is sent twice.
 */
class FailoverIT {
    @TempDir
    Path dir;
    final List<TestBackend> backends = new ArrayList<>();
    BalancerProcess balancer;
    final Http http = new Http();

    @BeforeEach
    void start() throws Exception {
        for (int i = 1; i <= 4; i++) {
            backends.add(new TestBackend("stable-" + i));
        }
        balancer = BalancerProcess.start(TestConfigs.config(dir, TestConfigs.replicas(backends, List.of()),
                "timeouts: {response: 500ms, connect: 500ms}\n"));
    }

    @AfterEach
    void stop() {
        balancer.close();
        backends.forEach(TestBackend::close);
    }

    @Test
    void aKilledAndAStalledReplicaCostNoGetAndNoDuplicatePost() throws Exception {
        TestBackend killed = backends.get(0);
        TestBackend stalled = backends.get(1);
        int threads = 8;
        int perThread = 150; // bounded: 1,200 GETs and 1,200 POSTs in all
        CountDownLatch warmedUp = new CountDownLatch(200);
        AtomicInteger failedGets = new AtomicInteger();
        Map<String, String> failedPosts = new ConcurrentHashMap<>();
        AtomicInteger id = new AtomicInteger();
        ExecutorService load = Executors.newFixedThreadPool(threads);
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            workers.add(load.submit(() -> {
                for (int i = 0; i < perThread; i++) {
                    warmedUp.countDown();
                    try {
                        if (http.get(balancer.baseUrl() + "/version").statusCode() != 200) {
                            failedGets.incrementAndGet();
                        }
                    } catch (Exception e) {
                        failedGets.incrementAndGet();
                    }
                    String requestId = "post-" + id.incrementAndGet();
                    try {
                        HttpResponse<String> response = http.client().send(Http.request(balancer.baseUrl() + "/upload")
                                        .header("X-Request-Id", requestId)
                                        .POST(HttpRequest.BodyPublishers.ofString("charge one credit")).build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (response.statusCode() != 200) {
                            failedPosts.put(requestId, response.statusCode() + " " + response.body());
                        }
                    } catch (Exception e) {
                        failedPosts.put(requestId, e.toString());
                    }
                }
                return null;
            }));
        }
        assertThat(warmedUp.await(30, TimeUnit.SECONDS)).isTrue();
        killed.close();
        stalled.stall();
        for (Future<?> worker : workers) {
            worker.get(120, TimeUnit.SECONDS);
        }
        load.shutdown();

        assertThat(failedGets).as("failed GETs").hasValue(0);
        Map<String, Integer> received = new HashMap<>();
        backends.forEach(backend -> backend.requestIds().forEach((key, count) -> received.merge(key, count, Integer::sum)));
        assertThat(received.values()).as("POSTs received more than once").allMatch(count -> count == 1);
        // A POST fails only when the balancer had sent it to the killed or the stalled replica: its
        // answer (502 or 504) names that replica. One never sent (connection refused) is retried.
        assertThat(failedPosts.values()).as("failed POSTs").allSatisfy(answer ->
                assertThat(answer).matches("(502|504) .*\"replica\":\"(" + killed.name() + "|" + stalled.name() + ")\".*"));
        System.out.printf("Failover: %d GETs and %d POSTs; %d POSTs failed (all had reached the killed or stalled"
                + " replica)%n", threads * perThread, threads * perThread, failedPosts.size());
        assertThat(balancer.output()).contains("ejected");
    }
}
