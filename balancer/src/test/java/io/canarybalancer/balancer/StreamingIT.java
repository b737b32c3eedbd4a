package io.canarybalancer.balancer;

import io.canarybalancer.testsupport.Http;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bodies stream through with backpressure: a gigabyte each way through a balancer whose heap (and
 * so its direct memory) is capped at 64 MiB, which could not hold even a tenth of it.
 */
class StreamingIT {
    static final long GIB = 1L << 30;

    @TempDir
    static Path dir;
    static TestBackend backend;
    static BalancerProcess balancer;
    static final Http http = new Http();

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend("stable-1");
        balancer = BalancerProcess.start(TestConfigs.config(dir, TestConfigs.replicas(List.of(backend), List.of()), ""),
                "-Xmx64m");
    }

    @AfterAll
    static void stop() {
        balancer.close();
        backend.close();
    }

    @Test
    void aOneGibUploadWithContentLengthArrivesWhole() throws Exception {
        long before = backend.bytesReceived();
        HttpResponse<String> response = http.client().send(Http.request(balancer.baseUrl() + "/upload")
                        .POST(BodyPublishers.fromPublisher(BodyPublishers.ofInputStream(() -> new GeneratedStream(GIB)), GIB))
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(Long.toString(GIB));
        assertThat(backend.bytesReceived() - before).isEqualTo(GIB);
    }

    @Test
    void aChunkedUploadArrivesWhole() throws Exception {
        long size = 64L << 20;
        HttpResponse<String> response = http.client().send(Http.request(balancer.baseUrl() + "/upload")
                        .POST(BodyPublishers.ofInputStream(() -> new GeneratedStream(size)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(Long.toString(size));
    }

    @Test
    void aOneGibChunkedDownloadArrivesWhole() throws Exception {
        HttpResponse<InputStream> response = http.client().send(
                Http.request(balancer.baseUrl() + "/download?bytes=" + GIB).build(),
                HttpResponse.BodyHandlers.ofInputStream());

        long received = 0;
        try (InputStream body = response.body()) {
            byte[] buffer = new byte[256 * 1024];
            int n;
            while ((n = body.read(buffer)) != -1) {
                received += n;
            }
        }
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(received).isEqualTo(GIB);
    }

    @Test
    void expectContinueIsAnsweredAndTheBodyFollows() throws Exception {
        HttpResponse<String> response = http.client().send(Http.request(balancer.baseUrl() + "/upload")
                        .expectContinue(true)
                        .POST(BodyPublishers.ofString("hello"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("5");
    }
}
