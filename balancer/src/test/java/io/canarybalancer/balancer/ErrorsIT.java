package io.canarybalancer.balancer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The balancer's own answers when it cannot deliver: 503, 502, 504 and 404, each a readable JSON body. */
class ErrorsIT {
    @TempDir
    static Path dir;
    static TestBackend slow;
    static BalancerProcess balancer;
    static final Http http = new Http();

    @BeforeAll
    static void start() throws Exception {
        slow = new TestBackend("slow-1");
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort(); // free again once closed: nothing listens there
        }
        String replicas = "service-v1:\n" + TestConfigs.replica(slow)
                + "refused:\n  - {address: 127.0.0.1, port: " + closedPort + "}\n";
        Path config = TestConfigs.config(dir, replicas, """
                timeouts:
                  response: 300ms
                routes:
                  - {name: slow, pathPrefix: /slow}
                  - {name: refused, pathPrefix: /refused, stable: {service: refused}}
                  - {name: empty, pathPrefix: /empty, stable: {service: nothing-here, tag: message}}
                  - {name: strict, pathPrefix: /strict, fallback: reject}
                """);
        balancer = BalancerProcess.start(config);
    }

    @AfterAll
    static void stop() {
        balancer.close();
        slow.close();
    }

    @Test
    void noReplicaGives503NamingTheRouteAndPools() throws Exception {
        HttpResponse<String> response = http.get(balancer.baseUrl() + "/empty/version");

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(response.body())
                .contains("\"error\":\"no healthy replica\"")
                .contains("\"route\":\"empty\"")
                .contains("\"stable\":{\"service\":\"nothing-here\",\"tag\":\"message\",\"replicas\":0}")
                .contains("\"canary\":{\"service\":\"service-v2\",\"tag\":null,\"replicas\":0}");
    }

    @Test
    void aFlaggedRequestWithRejectFallbackAndNoCanaryGets503() throws Exception {
        HttpResponse<String> flagged = http.get(balancer.baseUrl() + "/strict/version", "X-Canary", "1");
        HttpResponse<String> plain = http.get(balancer.baseUrl() + "/strict/version");

        assertThat(flagged.statusCode()).isEqualTo(503);
        assertThat(flagged.body()).contains("fallback is reject");
        assertThat(plain.statusCode()).isEqualTo(200);
    }

    @Test
    void aRefusedConnectionGives502() throws Exception {
        HttpResponse<String> response = http.get(balancer.baseUrl() + "/refused/version");

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.body()).contains("refused the connection").contains("\"route\":\"refused\"");
    }

    @Test
    void aBackendSlowerThanTheResponseTimeoutGives504() throws Exception {
        HttpResponse<String> response = http.get(balancer.baseUrl() + "/slow/slow?ms=5000");

        assertThat(response.statusCode()).isEqualTo(504);
        assertThat(response.body()).contains("did not answer in time");
    }

    @Test
    void aBackendWithinTheTimeoutIsServed() throws Exception {
        HttpResponse<String> response = http.get(balancer.baseUrl() + "/slow/slow?ms=10");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("slow-1");
    }

    @Test
    void theConnectionStaysUsableAfterAnErrorAnswer() throws Exception {
        try (RawHttp client = new RawHttp(balancer.port())) {
            RawHttp.Response refused = client.send("GET /refused/x HTTP/1.1\r\nHost: lb\r\n\r\n").read();
            RawHttp.Response empty = client.send("GET /empty/x HTTP/1.1\r\nHost: lb\r\n\r\n").read();
            RawHttp.Response timedOut = client.send("GET /slow/slow?ms=5000 HTTP/1.1\r\nHost: lb\r\n\r\n").read();
            RawHttp.Response served = client.send("GET /slow/x HTTP/1.1\r\nHost: lb\r\n\r\n").read();

            assertThat(List.of(refused.status(), empty.status(), timedOut.status(), served.status()))
                    .containsExactly(502, 503, 504, 200);
        }
    }

    @Test
    void anHttp11RequestWithoutHostIsRefusedButAnHttp10OneGetsOneOnTheWay() throws Exception {
        try (RawHttp client = new RawHttp(balancer.port())) {
            assertThat(client.send("GET /slow/x HTTP/1.1\r\n\r\n").read().status()).isEqualTo(400);
        }
        try (RawHttp client = new RawHttp(balancer.port())) {
            RawHttp.Response response = client.send("GET /slow/headers HTTP/1.0\r\n\r\n").read();

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).contains("host=127.0.0.1:" + slow.port());
        }
    }

    @Test
    void aMalformedRequestGets400AndTheConnectionCloses() throws Exception {
        try (RawHttp client = new RawHttp(balancer.port())) {
            RawHttp.Response response = client.send("GET /slow HTTP/1.1\r\nHost lb\r\nBad header\r\n\r\n").read();

            assertThat(response.status()).isEqualTo(400);
            assertThat(client.closedByServer()).isTrue();
        }
    }
}
