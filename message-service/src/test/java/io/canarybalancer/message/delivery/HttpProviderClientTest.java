package io.canarybalancer.message.delivery;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.canarybalancer.message.cli.ProviderSimulator;
import io.canarybalancer.message.core.Claim;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static io.canarybalancer.message.delivery.ProviderClient.SendAnswer.Kind.DELIVERED;
import static io.canarybalancer.message.delivery.ProviderClient.SendAnswer.Kind.REJECTED;
import static io.canarybalancer.message.delivery.ProviderClient.SendAnswer.Kind.UNCONFIRMED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The provider client against the provider simulator. */
class HttpProviderClientTest {

    private static final Claim MESSAGE = new Claim("m-1", "token", "+34600000000", "hello", 1);

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofMillis(500)).build();
    private ProviderSimulator simulator;

    @AfterEach
    void stop() {
        if (simulator != null) {
            simulator.close();
        }
    }

    private HttpProviderClient clientFor(double errorRate, double stallRate, Duration timeout) throws IOException {
        simulator = ProviderSimulator.start(new ProviderSimulator.Settings("127.0.0.1", 0, errorRate, stallRate,
                Duration.ofSeconds(2), 1, 4));
        return new HttpProviderClient(http, simulator.url(), timeout, new ObjectMapper());
    }

    @Test
    void acceptedMessageIsDeliveredAndNamedByItsId() throws Exception {
        ProviderClient.SendAnswer answer = clientFor(0, 0, Duration.ofSeconds(2)).send(MESSAGE);

        assertThat(answer.kind()).isEqualTo(DELIVERED);
        assertThat(simulator.answers()).containsOnlyKeys("m-1");
    }

    @Test
    void providerErrorIsRejectedWithTheStatus() throws Exception {
        ProviderClient.SendAnswer answer = clientFor(1, 0, Duration.ofSeconds(2)).send(MESSAGE);

        assertThat(answer.kind()).isEqualTo(REJECTED);
        assertThat(answer.detail()).isEqualTo("the provider answered 500: controlled error");
    }

    @Test
    void noAnswerInTimeIsUnconfirmed() throws Exception {
        long started = System.nanoTime();
        ProviderClient.SendAnswer answer = clientFor(0, 1, Duration.ofMillis(200)).send(MESSAGE);

        assertThat(answer.kind()).isEqualTo(UNCONFIRMED);
        assertThat(answer.detail()).isEqualTo("the provider did not answer within 200 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(1500));
    }

    @Test
    void unreachableProviderIsRejected() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        HttpProviderClient client = new HttpProviderClient(http, URI.create("http://127.0.0.1:" + closedPort),
                Duration.ofSeconds(1), new ObjectMapper());

        ProviderClient.SendAnswer answer = client.send(MESSAGE);

        assertThat(answer.kind()).isEqualTo(REJECTED);
        assertThat(answer.detail()).startsWith("the provider could not be reached");
    }

    @Test
    void headersThenAStalledBodyIsUnconfirmedAtTheDeadline() throws Exception {
        try (StallingServer stalling = new StallingServer(200)) {
            HttpProviderClient client = new HttpProviderClient(http, stalling.url(), Duration.ofMillis(300), new ObjectMapper());

            CompletableFuture<ProviderClient.SendAnswer> answer = CompletableFuture.supplyAsync(() -> client.send(MESSAGE));

            // A hang detector, not a speed limit: without a deadline on the body the call never returns.
            await().atMost(Duration.ofSeconds(30)).until(answer::isDone);
            assertThat(stalling.requests()).isEqualTo(1);
            assertThat(answer.get().kind()).isEqualTo(UNCONFIRMED);
            assertThat(answer.get().detail()).isEqualTo("the provider did not answer within 300 ms");
        }
    }
}
