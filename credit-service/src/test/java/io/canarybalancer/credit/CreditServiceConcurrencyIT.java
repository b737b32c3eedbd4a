package io.canarybalancer.credit;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.canarybalancer.testsupport.Concurrently;
import io.canarybalancer.testsupport.Http;
import io.canarybalancer.testsupport.ServiceFixture;
import io.canarybalancer.testsupport.TestDatabase;
import io.canarybalancer.testsupport.TestDatabases;
import io.dropwizard.testing.DropwizardTestSupport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Acceptance 1 over HTTP: two credit service instances on one database (H2, then a real PostgreSQL),
 * 500 charges from 8 threads against a balance of 300, every fifth request repeating a message id.
 */
class CreditServiceConcurrencyIT {

    private final Http http = new Http();
    private final ObjectMapper json = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void concurrentChargesAcrossTwoInstancesNeverOverdrawNorChargeTwice(String kind) throws Exception {
        TestDatabase database = TestDatabases.of(kind);
        DropwizardTestSupport<CreditServiceConfiguration> first = ServiceFixture.started(CreditServiceApplication.class, "credit-service.yml", database);
        DropwizardTestSupport<CreditServiceConfiguration> second = ServiceFixture.started(CreditServiceApplication.class, "credit-service.yml", database);
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
            List<Callable<Void>> tasks = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                tasks.add(() -> {
                    for (int i = thread; i < ids.size(); i += 8) {
                        int status = send(ports.get(i % 2), "PUT", "/credit/charges/" + ids.get(i), null).statusCode();
                        statusesById.computeIfAbsent(ids.get(i), id -> new java.util.concurrent.CopyOnWriteArrayList<>())
                                .add(status);
                    }
                    return null;
                });
            }
            Concurrently.run(8, tasks, Duration.ofSeconds(120));
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
        return http.sendJson(method, Http.local(port) + path, body);
    }
}
