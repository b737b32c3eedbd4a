package io.canarybalancer.balancer;

import io.canarybalancer.testsupport.Http;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ConnectException;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** SIGTERM drains: requests in flight finish, idle connections close, nothing new is accepted, exit 0. */
class GracefulShutdownIT {
    @TempDir
    Path dir;
    final List<TestBackend> backends = new ArrayList<>();
    BalancerProcess balancer;
    final Http http = new Http();

    @BeforeEach
    void start() throws Exception {
        backends.add(new TestBackend("stable-1"));
        backends.add(new TestBackend("stable-2"));
        balancer = BalancerProcess.start(TestConfigs.config(dir, TestConfigs.replicas(backends, List.of()), ""));
    }

    @AfterEach
    void stop() {
        balancer.close();
        backends.forEach(TestBackend::close);
    }

    @Test
    void sigtermLetsEveryStartedRequestFinishAndExitsZero() throws Exception {
        int port = balancer.port();
        List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            inFlight.add(http.client().sendAsync(Http.request(balancer.baseUrl() + "/slow?ms=1500").build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        awaitReceived(20);
        RawHttp idle = new RawHttp(port);
        assertThat(idle.send("GET /version HTTP/1.1\r\nHost: lb\r\n\r\n").read().status()).isEqualTo(200);

        int exitCode = balancer.stop();

        assertThat(exitCode).isZero();
        assertThat(inFlight).allSatisfy(future -> {
            HttpResponse<String> response = future.join();
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).startsWith("stable-");
        });
        assertThat(idle.closedByServer()).isTrue();
        idle.close();
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
        assertThat(balancer.awaitOutput("Balancer stopped", Duration.ofSeconds(5)))
                .as("the balancer's last lines; output:%n%s", balancer.output()).isTrue();
        assertThat(balancer.output()).contains("draining requests in flight");
    }

    private void awaitReceived(int count) {
        await(count + " requests in flight at the backends").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(5))
                .until(() -> backends.stream().mapToInt(TestBackend::requests).sum() >= count);
    }

}
