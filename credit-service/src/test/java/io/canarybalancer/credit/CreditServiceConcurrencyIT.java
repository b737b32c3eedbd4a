package io.canarybalancer.credit;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.canarybalancer.credit.testing.CreditServiceFixture;
import io.canarybalancer.credit.testing.TestDatabase;
import io.canarybalancer.credit.testing.TestDatabases;
import io.dropwizard.testing.DropwizardTestSupport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
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
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Acceptance 1 over HTTP: two credit service instances on one database (H2, then a real PostgreSQL),
 * 500 charges from 8 threads against a balance of 300, every fifth request repeating a message id.
 */
class CreditServiceConcurrencyIT {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void concurrentChargesAcrossTwoInstancesNeverOverdrawNorChargeTwice(String kind) throws Exception {
        TestDatabase database = TestDatabases.of(kind);
        DropwizardTestSupport<CreditServiceConfiguration> first = CreditServiceFixture.started(database);
        DropwizardTestSupport<CreditServiceConfiguration> second = CreditServiceFixture.started(database);
        try {
            List<Integer> ports = List.of(first.getLocalPort(), second.getLocalPort());
            assertThat(send(ports.get(0), "POST", "/credit", "{\"amount\": 300}").statusCode()).isEqualTo(200);

            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                ids.add("m-" + (i % 5 == 4 ? i - 1 : i));
            }
            Map<String, List<Integer>> statusesById = new ConcurrentHashMap<>();
            AtomicBoolean sawNegative = new AtomicBoolean();
            AtomicBoolean done = new AtomicBoolean();
            Thread watcher = new Thread(() -> {
                while (!done.get()) {
                    try {
                        if (balance(ports.get(1)) < 0) {
                            sawNegative.set(true);
                        }
                    } catch (Exception e) {
                        sawNegative.set(true);
                    }
                }
            });
            watcher.start();
            ExecutorService threads = Executors.newFixedThreadPool(8);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                futures.add(threads.submit(() -> {
                    go.await();
                    for (int i = thread; i < ids.size(); i += 8) {
                        int status = send(ports.get(i % 2), "PUT", "/credit/charges/" + ids.get(i), null).statusCode();
                        statusesById.computeIfAbsent(ids.get(i), id -> new java.util.concurrent.CopyOnWriteArrayList<>())
                                .add(status);
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> future : futures) {
                future.get(120, TimeUnit.SECONDS);
            }
            threads.shutdown();
            done.set(true);
            watcher.join();

            Map<Integer, Integer> counts = new HashMap<>();
            statusesById.values().forEach(list -> list.forEach(status -> counts.merge(status, 1, Integer::sum)));
            assertThat(counts.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(500);
            assertThat(counts.keySet()).isSubsetOf(201, 200, 402);
            assertThat(counts.get(201)).isEqualTo(300);
            assertThat(balance(ports.get(0))).isZero();
            assertThat(sawNegative).isFalse();
            // Each message id was charged (201) at most once; a repeat of a charged id was answered 200.
            statusesById.forEach((id, statuses) -> {
                assertThat(statuses.stream().filter(s -> s == 201).count()).as(id).isLessThanOrEqualTo(1);
                if (statuses.contains(201)) {
                    assertThat(statuses.stream().filter(s -> s == 402).count()).as(id).isZero();
                }
            });
            long chargedIds = statusesById.values().stream().filter(statuses -> statuses.contains(201)).count();
            assertThat(chargedIds).isEqualTo(300);
        } finally {
            first.after();
            second.after();
        }
    }

    private long balance(int port) throws Exception {
        return json.readTree(send(port, "GET", "/credit", null).body()).get("credit").asLong();
    }

    private HttpResponse<String> send(int port, String method, String path, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
