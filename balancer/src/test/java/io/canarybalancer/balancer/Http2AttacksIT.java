package io.canarybalancer.balancer;

import io.canarybalancer.testsupport.Http;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * HTTP/2 limits and attacks through the real jar, each from a bounded crafted client ({@link Http2Attacks},
 * proven against Netty's own defaults in {@link Http2AttackClientsTest}): rapid reset (CVE-2023-44487)
 * and CONTINUATION floods, large and empty, end the attacker's connection with GOAWAY while another
 * client is served, and a stream beyond the 100 concurrent streams a connection may have is refused.
 */
class Http2AttacksIT {
    private static final Duration BOUND = Duration.ofSeconds(15);

    @TempDir
    static Path dir;
    static final List<TestBackend> backends = new ArrayList<>();
    static BalancerProcess balancer;
    static final Http http = new Http();

    @BeforeAll
    static void start() throws Exception {
        for (int i = 1; i <= 4; i++) {
            backends.add(new TestBackend("stable-" + i));
        }
        balancer = BalancerProcess.start(TestConfigs.config(dir, TestConfigs.replicas(backends, List.of()), ""));
    }

    @AfterAll
    static void stop() {
        if (balancer != null) {
            balancer.close();
        }
        backends.forEach(TestBackend::close);
    }

    @Test
    void rapidResetEndsTheConnectionWithEnhanceYourCalmLongBeforeItsRequestsReachTheBackends() throws Exception {
        int before = backendRequests();
        try (RawH2 attacker = RawH2.connect(balancer.port())) {
            CompletableFuture<RawH2.Flood> attack = CompletableFuture.supplyAsync(() ->
                    Http2Attacks.rapidReset(attacker, "/version", Http2Attacks.RAPID_RESETS, BOUND));
            int others = assertOthersServedWhile(attack);
            RawH2.Flood flood = attack.join();
            RawH2.GoAway goAway = attacker.awaitEnd();
            int reached = backendRequests() - before - others;
            System.out.printf("Balancer, rapid reset: %s, %s, %d requests reached the backends%n", flood, goAway, reached);

            assertThat(goAway).as("GOAWAY; the attack: %s", flood).isNotNull();
            assertThat(goAway.errorCode()).as("the error code of %s", goAway).isEqualTo(RawH2.ENHANCE_YOUR_CALM);
            assertThat(flood.stoppedByServer()).isTrue();
            assertThat(flood.written()).isLessThan(Http2Attacks.RAPID_RESETS);
            assertThat(reached).as("requests that reached the backends").isLessThan(Http2Attacks.RAPID_RESETS / 10);
        }
        assertServed();
    }

    @Test
    void aFloodOfLargeContinuationFramesEndsTheConnectionBeyondTheHeaderListLimit() throws Exception {
        try (RawH2 attacker = RawH2.connect(balancer.port())) {
            CompletableFuture<RawH2.Flood> attack = CompletableFuture.supplyAsync(() -> Http2Attacks.continuationFlood(
                    attacker, "/version", Http2Attacks.LARGE_CONTINUATIONS, Http2Attacks.LARGE_CONTINUATION_SIZE, BOUND));
            assertOthersServedWhile(attack);
            RawH2.Flood flood = attack.join();
            RawH2.GoAway goAway = attacker.awaitEnd();
            System.out.printf("Balancer, large CONTINUATION flood: %s, %s%n", flood, goAway);

            assertThat(flood.stoppedByServer()).as("the balancer ended the flood: %s", flood).isTrue();
            assertThat(flood.written()).isLessThan(Http2Attacks.LARGE_CONTINUATIONS);
            if (goAway != null) { // it can be lost to the TCP reset that a close with unread bytes causes
                assertThat(goAway.errorCode()).as("the error code of %s", goAway).isNotEqualTo(RawH2.NO_ERROR);
            }
        }
        assertServed();
    }

    @Test
    void aFloodOfEmptyContinuationFramesEndsTheConnectionBeforeItIsAllSent() throws Exception {
        try (RawH2 attacker = RawH2.connect(balancer.port())) {
            CompletableFuture<RawH2.Flood> attack = CompletableFuture.supplyAsync(() -> Http2Attacks.continuationFlood(
                    attacker, "/version", Http2Attacks.EMPTY_CONTINUATIONS, 0, BOUND));
            assertOthersServedWhile(attack);
            RawH2.Flood flood = attack.join();
            RawH2.GoAway goAway = attacker.awaitEnd();
            System.out.printf("Balancer, empty CONTINUATION flood: %s, %s%n", flood, goAway);

            assertThat(flood.stoppedByServer()).as("the balancer ended the flood: %s", flood).isTrue();
            assertThat(flood.written()).isLessThan(Http2Attacks.EMPTY_CONTINUATIONS);
            if (goAway != null) { // it can be lost to the TCP reset that a close with unread bytes causes
                assertThat(goAway.errorCode()).as("the error code of %s", goAway).isNotEqualTo(RawH2.NO_ERROR);
            }
        }
        assertServed();
    }

    @Test
    void the101stConcurrentStreamIsRefusedAndNeverReachesABackend() throws Exception {
        int before = backendRequests();
        try (RawH2 client = RawH2.connect(balancer.port())) {
            assertThat(client.serverSettings()).containsEntry(RawH2.SETTINGS_MAX_CONCURRENT_STREAMS, 100L);
            List<RawH2.Stream> allowed = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                allowed.add(client.get("/slow?ms=3000"));
            }
            RawH2.Stream extra = client.get("/slow?ms=3000");

            RawH2.Stream refused = extra.await();
            assertThat(refused.status()).as("no response head").isEqualTo(-1);
            assertThat(refused.resetCode()).as("RFC 9113 5.1.2")
                    .isIn(RawH2.REFUSED_STREAM, RawH2.PROTOCOL_ERROR);
            await("the 100 allowed streams at the backends").atMost(Duration.ofSeconds(10))
                    .until(() -> backendRequests() - before >= 100);
            allowed.forEach(RawH2.Stream::await);
            assertThat(allowed).allSatisfy(stream -> assertThat(stream.status()).isEqualTo(200));
            assertThat(backendRequests() - before).as("the refused stream reached no backend").isEqualTo(100);
            assertThat(client.get("/version").await().status()).as("the connection serves on").isEqualTo(200);
        }
    }

    /**
     * Until {@code attack} ends, and at least 5 times, other clients' requests (one HTTP/2, one HTTP/1.1)
     * are answered; returns how many were sent.
     */
    private static int assertOthersServedWhile(CompletableFuture<RawH2.Flood> attack) throws Exception {
        int served = 0;
        try (RawH2 other = RawH2.connect(balancer.port())) {
            while (!attack.isDone() || served < 10) {
                assertThat(other.get("/version").await().status()).isEqualTo(200);
                HttpResponse<String> http1 = http.get(balancer.baseUrl() + "/version");
                assertThat(http1.statusCode()).isEqualTo(200);
                served += 2;
            }
        }
        return served;
    }

    /** A new client is served after the attack. */
    private static void assertServed() throws Exception {
        try (RawH2 client = RawH2.connect(balancer.port())) {
            RawH2.Stream stream = client.get("/version").await();
            assertThat(stream.status()).isEqualTo(200);
            assertThat(stream.bodyText()).matches("stable-[1234]");
        }
    }

    private static int backendRequests() {
        return backends.stream().mapToInt(TestBackend::requests).sum();
    }
}
