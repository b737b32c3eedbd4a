package io.canarybalancer.balancer;

import io.canarybalancer.testsupport.Http;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The jar serves over each transport the configuration can name ({@code transport:}), says in its
 * start-up log which one it runs on, and refuses to start on a transport that cannot run rather than
 * quietly serving on another.
 */
class TransportIT {
    /** Netty's switch that keeps its native transports (epoll, io_uring) from loading. */
    static final String NO_NATIVE = "-Dio.netty.transport.noNative=true";

    @TempDir
    Path dir;
    final List<TestBackend> backends = new ArrayList<>();
    final Http http = new Http();

    @BeforeEach
    void startBackends() throws Exception {
        backends.add(new TestBackend("stable-1"));
        backends.add(new TestBackend("stable-2"));
    }

    @AfterEach
    void stopBackends() {
        backends.forEach(TestBackend::close);
    }

    @ParameterizedTest
    @ValueSource(strings = {"epoll", "io_uring", "nio"})
    void servesKeepAliveRequestsAndStreamedBodiesOverTheNamedTransport(String transport) throws Exception {
        // A kernel or container may forbid a native transport (Docker's default seccomp profile blocks io_uring).
        assumeTrue(!transport.equals("epoll") || Epoll.isAvailable(), "epoll cannot load here");
        assumeTrue(!transport.equals("io_uring") || IoUring.isAvailable(), "io_uring cannot load here");
        try (BalancerProcess balancer = BalancerProcess.start(config("transport: " + transport + "\n"))) {
            assertThat(balancer.awaitOutput("Proxy transport: " + transport + ",", Duration.ofSeconds(10))).isTrue();

            List<String> servedBy = new ArrayList<>();
            try (RawHttp client = new RawHttp(balancer.port())) {
                for (int i = 0; i < 20; i++) {
                    RawHttp.Response response = client.send("GET /version HTTP/1.1\r\nHost: lb\r\n\r\n").read();
                    assertThat(response.status()).isEqualTo(200);
                    servedBy.add(response.body());
                }
            }
            assertThat(servedBy).containsOnly("stable-1", "stable-2").hasSize(20);

            long size = 8L << 20;
            HttpResponse<String> upload = http.client().send(Http.request(balancer.baseUrl() + "/upload")
                            .POST(BodyPublishers.ofInputStream(() -> new GeneratedStream(size))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(upload.statusCode()).isEqualTo(200);
            assertThat(upload.body()).isEqualTo(Long.toString(size));

            HttpResponse<InputStream> download = http.client().send(
                    Http.request(balancer.baseUrl() + "/download?bytes=" + size).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = download.body()) {
                assertThat(body.transferTo(OutputStream.nullOutputStream())).isEqualTo(size);
            }
        }
    }

    @Test
    void autoFallsBackToNioWhereNoNativeTransportLoads() throws Exception {
        try (BalancerProcess balancer = BalancerProcess.start(Map.of("JAVA_TOOL_OPTIONS", NO_NATIVE),
                List.of("-jar", BalancerProcess.jar().toString(), "--config", config("transport: auto\n").toString()))) {
            assertThat(balancer.awaitOutput("Proxy transport: nio,", Duration.ofSeconds(10))).isTrue();
            assertThat(http.get(balancer.baseUrl() + "/version").statusCode()).isEqualTo(200);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"epoll", "io_uring"})
    void aNamedTransportThatCannotLoadStopsTheStart(String transport) throws Exception {
        Path config = config("transport: " + transport + "\n");

        assertThatThrownBy(() -> BalancerProcess.start(Map.of("JAVA_TOOL_OPTIONS", NO_NATIVE),
                List.of("-jar", BalancerProcess.jar().toString(), "--config", config.toString())).close())
                .hasMessageContaining("Cannot start: transport " + transport + " is not available on this machine");
    }

    private Path config(String extra) throws Exception {
        return TestConfigs.config(dir, TestConfigs.replicas(backends, List.of()), extra);
    }
}
