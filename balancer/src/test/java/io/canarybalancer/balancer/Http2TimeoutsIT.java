package io.canarybalancer.balancer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * HTTP/2 clients under short timeouts ({@code stall: 1s, clientIdle: 2s}, response 20 s), which
 * {@link Http2IT}'s balancer cannot have without cutting its long streams: the stall timeout watches a
 * body only while it streams, not the wait for the answer after it; and a connection with no stream
 * is idle whatever control frames (PINGs) it carries.
 */
class Http2TimeoutsIT {
    @TempDir
    static Path dir;
    static TestBackend http1;
    static H2Backend h2;
    static BalancerProcess balancer;

    @BeforeAll
    static void start() throws Exception {
        http1 = new TestBackend("slow-1");
        h2 = new H2Backend("h2-1");
        Path config = TestConfigs.config(dir, TestConfigs.replicas(List.of(http1), List.of())
                + "h2-v1:\n" + h2.replica() + "h2-v2: []\n", """
                routes:
                  - {name: h1, pathPrefix: /h1}
                  - {name: h2, pathPrefix: /h2, backendProtocol: h2c, stable: {service: h2-v1}, canary: {service: h2-v2}}
                timeouts: {connect: 1s, stall: 1s, response: 20s, clientIdle: 2s}
                """);
        balancer = BalancerProcess.start(config);
    }

    @AfterAll
    static void stop() {
        if (balancer != null) {
            balancer.close();
        }
        if (http1 != null) {
            http1.close();
        }
        if (h2 != null) {
            h2.close();
        }
    }

    /**
     * A small POST whose body follows its head once the replica has the head, answered 3 s after the
     * body: three stall timeouts pass while the answer is awaited, but the body is in, so the
     * response timeout (20 s) watches, and the client gets the replica's 200, not a 408.
     */
    @ParameterizedTest
    @ValueSource(strings = {"h1", "h2"})
    void aSmallPostAnsweredLaterThanTheStallTimeoutGetsItsAnswer(String route) throws Exception {
        IntSupplier received = route.equals("h1") ? http1::requests : h2::requests;
        int before = received.getAsInt();
        try (RawH2 client = RawH2.connect(balancer.port())) {
            RawH2.Stream stream = client.open(client.requestHeaders("POST", "/" + route + "/slow?ms=3000"), false);
            // The body is sent once the head reached the replica: it streams after the attempt started.
            await("the head reached the replica").atMost(Duration.ofSeconds(10))
                    .until(() -> received.getAsInt() > before || stream.done().isDone());
            client.sendData(stream.id(), "a small body".getBytes(StandardCharsets.UTF_8), true);

            RawH2.Stream answered = stream.await();
            assertThat(answered.status()).as(answered.bodyText()).isEqualTo(200);
            assertThat(answered.bodyText()).isEqualTo(route.equals("h1") ? "slow-1" : "h2-1");
        }
    }

    /**
     * A client that opens no stream and sends a PING every 500 ms is closed, with GOAWAY, after
     * {@code timeouts.clientIdle} (2 s): PINGs alone do not keep a connection, as they would not an
     * HTTP/1.1 one.
     */
    @Test
    void aClientThatOnlyPingsIsClosedWithGoAwayAfterTheIdleTimeout() throws Exception {
        ScheduledExecutorService pinger = Executors.newSingleThreadScheduledExecutor();
        try (RawH2 client = RawH2.connect(balancer.port())) {
            client.serverSettings();
            pinger.scheduleAtFixedRate(() -> {
                if (!client.goAway().isDone()) {
                    try {
                        client.write(RawH2.ping());
                    } catch (IOException e) {
                        // closed by the balancer: the test sees it
                    }
                }
            }, 0, 500, TimeUnit.MILLISECONDS);

            await("the connection closed although it kept pinging").atMost(Duration.ofSeconds(15))
                    .until(() -> client.closed().isDone());

            assertThat(client.awaitPingAcks(3, Duration.ZERO)).as("PINGs answered before the close").isTrue();
            RawH2.GoAway goAway = client.goAway().join();
            assertThat(goAway).as("GOAWAY before the close").isNotNull();
            assertThat(goAway.errorCode()).isEqualTo(RawH2.NO_ERROR);
        } finally {
            pinger.shutdownNow();
        }
    }
}
