package io.canarybalancer.balancer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Connections are kept alive and reused on both sides of the balancer. */
class KeepAliveIT {
    @TempDir
    Path dir;
    final List<TestBackend> backends = new ArrayList<>();
    BalancerProcess balancer;

    @BeforeEach
    void start() throws Exception {
        for (int i = 1; i <= 4; i++) {
            backends.add(new TestBackend("stable-" + i));
        }
        balancer = BalancerProcess.start(TestConfigs.config(dir, TestConfigs.replicas(backends, List.of()), ""));
    }

    @AfterEach
    void stop() {
        balancer.close();
        backends.forEach(TestBackend::close);
    }

    @Test
    void oneClientConnectionCarriesManyRequestsAndEachBackendIsConnectedOnce() throws Exception {
        List<String> servedBy = new ArrayList<>();
        try (RawHttp client = new RawHttp(balancer.port())) {
            for (int i = 0; i < 40; i++) {
                RawHttp.Response response = client.send("GET /version HTTP/1.1\r\nHost: lb\r\n\r\n").read();
                assertThat(response.status()).isEqualTo(200);
                servedBy.add(response.body());
            }
        }

        assertThat(servedBy).containsOnly("stable-1", "stable-2", "stable-3", "stable-4").hasSize(40);
        // One client connection lives on one event loop, whose pool keeps one connection per replica.
        assertThat(backends).allSatisfy(backend -> {
            assertThat(backend.requests()).isEqualTo(10);
            assertThat(backend.connections()).isEqualTo(1);
        });
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (RawHttp client = new RawHttp(balancer.port())) {
            client.send("GET /a HTTP/1.1\r\nHost: lb\r\n\r\nGET /b HTTP/1.1\r\nHost: lb\r\n\r\n"
                    + "GET /headers HTTP/1.1\r\nHost: lb\r\nX-Probe: third\r\n\r\n");

            RawHttp.Response first = client.read();
            RawHttp.Response second = client.read();
            RawHttp.Response third = client.read();

            assertThat(first.status()).isEqualTo(200);
            assertThat(second.status()).isEqualTo(200);
            assertThat(third.body()).contains("x-probe=third");
            assertThat(List.of(first.body(), second.body())).doesNotHaveDuplicates();
        }
    }

    @Test
    void anHttp10ClientWithoutKeepAliveIsAnsweredAndClosed() throws Exception {
        try (RawHttp client = new RawHttp(balancer.port())) {
            RawHttp.Response response = client.send("GET /version HTTP/1.0\r\n\r\n").read();

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.header("Connection")).isEqualToIgnoringCase("close");
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void connectionCloseFromTheClientIsHonoured() throws Exception {
        try (RawHttp client = new RawHttp(balancer.port())) {
            RawHttp.Response response = client.send("GET /version HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n\r\n").read();

            assertThat(response.status()).isEqualTo(200);
            assertThat(client.closedByServer()).isTrue();
        }
    }
}
