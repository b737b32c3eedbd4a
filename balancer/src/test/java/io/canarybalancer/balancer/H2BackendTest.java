package io.canarybalancer.balancer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link H2Backend} and {@link RawH2} against each other, no balancer: the counters the integration
 * tests read (resets received, bytes sent under flow control) say what happened on the wire.
 */
class H2BackendTest {
    static H2Backend backend;

    @BeforeAll
    static void start() throws InterruptedException {
        backend = new H2Backend("h2-test");
    }

    @AfterAll
    static void stop() {
        backend.close();
    }

    @Test
    void aStreamResetByTheClientIsCounted() throws Exception {
        int resets = backend.resetsReceived();
        int requests = backend.requests();
        try (RawH2 client = RawH2.connect(backend.port())) {
            RawH2.Stream stream = client.get("/hold");
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.requests() > requests);

            client.reset(stream.id(), RawH2.CANCEL);

            await().atMost(Duration.ofSeconds(10)).until(() -> backend.resetsReceived() == resets + 1);
        }
    }

    @Test
    void aDownloadWaitsForTheStreamsWindowAndEndsWhenItOpens() throws Exception {
        long sentBefore = backend.bytesSent();
        long size = 8L * 1024 * 1024;
        try (RawH2 client = RawH2.connect(backend.port())) {
            RawH2.Stream held = client.open(client.requestHeaders("GET", "/download?bytes=" + size), true, true);
            await().atMost(Duration.ofSeconds(10)).until(() -> held.bodyBytes() >= 65_535);

            assertThat(held.bodyBytes()).isEqualTo(65_535);
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                    .until(() -> backend.bytesSent() - sentBefore < 1024 * 1024);

            held.openWindow(1024 * 1024);
            assertThat(held.await().bodyBytes()).isEqualTo(size);
            assertThat(backend.bytesSent() - sentBefore).isEqualTo(size);
        }
    }

    @Test
    void aPostIsEchoedWhole() throws Exception {
        byte[] body = new byte[1024 * 1024];
        new Random(16).nextBytes(body);
        try (RawH2 client = RawH2.connect(backend.port())) {
            RawH2.Stream stream = client.send("POST", "/echo", body).await();

            assertThat(stream.status()).isEqualTo(200);
            assertThat(stream.header("x-replica")).isEqualTo("h2-test");
            assertThat(stream.body()).isEqualTo(body);
        }
    }
}
