package io.canarybalancer.balancer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.canarybalancer.balancer.TlsClient.Answer;
import io.canarybalancer.balancer.tls.TestCertificates;
import io.canarybalancer.balancer.tls.TestCertificates.Written;
import io.canarybalancer.testsupport.Http;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A TLS listener of the real jar over time: certificates replaced on disk while it serves (renewals
 * by rename under load, and replacements that must not be served: a key of another pair, an expired
 * pair), and the drain on SIGTERM, which TLS connections take part in.
 */
class TlsLifecycleIT {
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final int CLIENTS = 4;
    /** Each client's bound: the load ends by itself even if the reload is never seen. */
    private static final int MAX_REQUESTS_PER_CLIENT = 3_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    TestCertificates certificates;
    TestBackend backend;
    BalancerProcess balancer;
    Written first;
    int tlsPort;

    @BeforeEach
    void start() throws Exception {
        certificates = new TestCertificates();
        first = certificates.write(TestCertificates.leaf("www.example.com", "localhost"), dir.resolve("server.pem"),
                dir.resolve("server-key.pem"));
        backend = new TestBackend("stable-1");
        Path config = TestConfigs.config(dir, TestConfigs.replicas(List.of(backend), List.of()), "");
        TestConfigs.listen(config, """
                listen:
                  - 127.0.0.1:0
                  - address: 127.0.0.1:0
                    tls: {cert: server.pem, key: server-key.pem}
                """);
        balancer = BalancerProcess.start(config);
        tlsPort = balancer.port(1);
    }

    @AfterEach
    void stop() {
        if (balancer != null) {
            balancer.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void aRenewalByRenameUnderLoadFailsNoRequestAndNewConnectionsGetTheNewCertificate() throws Exception {
        Map<String, AtomicInteger> serials = new ConcurrentHashMap<>();
        Queue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger requests = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        try (SSLSocket kept = client().connect(tlsPort); RawHttp keepAlive = new RawHttp(kept)) {
            assertThat(keepAlive.send(get()).read().status()).isEqualTo(200);
            for (int c = 0; c < CLIENTS; c++) {
                clients.execute(() -> {
                    for (int i = 0; i < MAX_REQUESTS_PER_CLIENT && !stop.get(); i++) {
                        try {
                            Answer answer = client().get(tlsPort, "/version");
                            if (answer.status() != 200) {
                                failures.add("status " + answer.status() + ": " + answer.body());
                            }
                            serials.computeIfAbsent(answer.serial(), s -> new AtomicInteger()).incrementAndGet();
                        } catch (Exception e) {
                            failures.add(e.toString());
                        }
                        requests.incrementAndGet();
                    }
                });
            }
            await().atMost(PATIENCE).until(() -> requests.get() >= 50);

            Written renewed = certificates.replace(TestCertificates.leaf("www.example.com", "localhost"), first.cert(),
                    first.key());

            await().atMost(PATIENCE).until(() -> serials.containsKey(renewed.serial())
                    && serials.get(renewed.serial()).get() >= 50);
            stop.set(true);
            clients.shutdown();
            assertThat(clients.awaitTermination(60, TimeUnit.SECONDS)).isTrue();

            assertThat(failures).isEmpty();
            assertThat(serials.keySet()).containsExactlyInAnyOrder(first.serial(), renewed.serial());
            assertThat(client().get(tlsPort, "/version").serial()).isEqualTo(renewed.serial());
            // the connection opened before the renewal keeps its certificate, and keeps working
            assertThat(keepAlive.send(get()).read().status()).isEqualTo(200);
            assertThat(TlsClient.serial(kept)).isEqualTo(first.serial());
            assertThat(balancer.output()).contains("loaded " + first.cert().toAbsolutePath() + ": serial "
                    + renewed.serial());
        } finally {
            stop.set(true);
            clients.shutdownNow();
        }
    }

    @Test
    void aReplacementThatCannotBeServedIsIgnoredAndReported() throws Exception {
        Path stray = dir.resolve("stray.tmp");
        TestCertificates.writeStrayKey(stray, "RSA");
        Files.move(stray, first.key(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

        await().atMost(PATIENCE).until(() -> lastError() != null && lastError().contains("does not match"));
        assertThat(lastError()).isEqualTo(first.key().toAbsolutePath() + ": the key does not match the certificate"
                + " server.pem (serial " + first.serial() + ")");
        assertThat(client().get(tlsPort, "/version")).satisfies(answer -> {
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.serial()).isEqualTo(first.serial());
        });
        assertThat(balancer.output()).contains("the new server.pem was not loaded");

        Instant now = Instant.now();
        Written expired = certificates.replace(TestCertificates.leaf("www.example.com", "localhost")
                .withValidity(now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1))), first.cert(), first.key());

        await().atMost(PATIENCE).until(() -> lastError() != null && lastError().contains("expired"));
        assertThat(client().get(tlsPort, "/version").serial()).isEqualTo(first.serial()).isNotEqualTo(expired.serial());
        assertThat(certificate().get("serial").asText()).isEqualTo(first.serial());
    }

    @Test
    void sigtermDrainsTlsConnectionsToo() throws Exception {
        try (SSLSocket kept = client().connect(tlsPort); RawHttp idle = new RawHttp(kept)) {
            assertThat(idle.send(get()).read().status()).isEqualTo(200);
            CompletableFuture<Answer> inFlight = CompletableFuture.supplyAsync(() -> {
                try {
                    return client().get(tlsPort, "/slow?ms=1500");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(PATIENCE).until(() -> backend.requests() >= 2);

            assertThat(balancer.stop()).isZero();

            Answer answer = inFlight.join();
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.body()).isEqualTo("stable-1");
            assertThat(idle.closedByServer()).isTrue();
        }
    }

    private JsonNode certificate() throws Exception {
        JsonNode status = JSON.readTree(new Http().get(balancer.adminUrl() + "/status").body());
        return status.get("tls").get("listeners").get(0).get("certificates").get(0);
    }

    private String lastError() throws Exception {
        JsonNode error = certificate().get("lastError");
        return error.isNull() ? null : error.asText();
    }

    private TlsClient client() {
        return new TlsClient(certificates::clientContext);
    }

    private static String get() {
        return "GET /version HTTP/1.1\r\nHost: localhost\r\n\r\n";
    }
}
