package io.canarybalancer.balancer.admin;

import io.canarybalancer.balancer.BalancerProcess;
import io.canarybalancer.balancer.RawHttp;
import io.canarybalancer.balancer.TestBackend;
import io.canarybalancer.balancer.TestConfigs;
import io.canarybalancer.testsupport.Http;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** With an admin token, every endpoint but the dashboard page needs it. */
class AdminAuthIT {
    @TempDir
    static Path dir;
    static TestBackend backend;
    static BalancerProcess balancer;
    static final Http http = new Http();

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend("stable-1");
        Path config = TestConfigs.config(dir, TestConfigs.replicas(List.of(backend), List.of()), "");
        Files.writeString(config, Files.readString(config).replace("  listen: 127.0.0.1:0\n",
                "  listen: 127.0.0.1:0\n  token: s3cret\n  allowedHosts: [balancer.internal]\n"));
        balancer = BalancerProcess.start(config);
    }

    @AfterAll
    static void stop() {
        balancer.close();
        backend.close();
    }

    @ParameterizedTest(name = "{0} {1} without a token")
    @CsvSource({"GET, /status", "GET, /metrics", "POST, /routes/default/promote", "PUT, /routes/default/rollout"})
    void everyApiEndpointAnswers401WithoutTheToken(String method, String path) throws Exception {
        HttpResponse<String> anonymous = send(method, path, null);
        HttpResponse<String> wrong = send(method, path, "Bearer nope");

        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(wrong.statusCode()).isEqualTo(401);
    }

    @Test
    void theRightTokenIsAccepted() throws Exception {
        assertThat(send("GET", "/status", "Bearer s3cret").statusCode()).isEqualTo(200);
        assertThat(send("GET", "/metrics", "bearer s3cret").statusCode()).isEqualTo(200);
        assertThat(send("POST", "/routes/default/rollback", "Bearer s3cret").statusCode()).isEqualTo(200);
    }

    @Test
    void theDashboardPageLoadsWithoutTheToken() throws Exception {
        assertThat(send("GET", "/", null).statusCode()).isEqualTo(200);
    }

    @Test
    void withTheTokenAChangeNeedsNoJsonContentType() throws Exception {
        // A page cannot add an Authorization header without asking first, so the token alone shows intent.
        try (RawHttp client = new RawHttp(balancer.adminPort())) {
            RawHttp.Response accepted = client.send("POST /routes/default/rollback HTTP/1.1\r\nHost: 127.0.0.1:"
                    + balancer.adminPort() + "\r\nAuthorization: Bearer s3cret\r\nContent-Length: 0\r\n\r\n").read();

            assertThat(accepted.status()).isEqualTo(200);
        }
    }

    @Test
    void withTheTokenAChangeFromAnotherOriginIsStillRefused() throws Exception {
        try (RawHttp client = new RawHttp(balancer.adminPort())) {
            RawHttp.Response refused = client.send("POST /routes/default/rollback HTTP/1.1\r\nHost: 127.0.0.1:"
                    + balancer.adminPort() + "\r\nOrigin: http://evil.example\r\nAuthorization: Bearer s3cret\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 0\r\n\r\n").read();

            assertThat(refused.status()).isEqualTo(403);
            assertThat(refused.body()).contains("Origin");
        }
    }

    @Test
    void aNameInAllowedHostsIsAcceptedAndOthersAreNot() throws Exception {
        try (RawHttp client = new RawHttp(balancer.adminPort())) {
            RawHttp.Response allowed = client.send("POST /routes/default/rollback HTTP/1.1\r\nHost: Balancer.Internal:"
                    + balancer.adminPort() + "\r\nOrigin: http://balancer.internal:" + balancer.adminPort()
                    + "\r\nAuthorization: Bearer s3cret\r\nContent-Type: application/json\r\nContent-Length: 0\r\n\r\n")
                    .read();
            RawHttp.Response dashboard = client.send("GET / HTTP/1.1\r\nHost: balancer.internal\r\n\r\n").read();
            RawHttp.Response other = client.send("GET /status HTTP/1.1\r\nHost: other.internal\r\n"
                    + "Authorization: Bearer s3cret\r\n\r\n").read();

            assertThat(allowed.status()).isEqualTo(200);
            assertThat(dashboard.status()).isEqualTo(200);
            assertThat(other.status()).isEqualTo(403);
            assertThat(other.body()).contains("Host");
        }
    }

    @Test
    void aProxyInFrontServingAnAllowedNameOnItsOwnPortCanMakeChanges() throws Exception {
        // nginx's proxy_pass without "proxy_set_header Host": the listener's own Host, the page's Origin
        try (RawHttp client = new RawHttp(balancer.adminPort())) {
            RawHttp.Response allowed = client.send("POST /routes/default/rollback HTTP/1.1\r\nHost: 127.0.0.1:"
                    + balancer.adminPort() + "\r\nOrigin: https://balancer.internal\r\nAuthorization: Bearer s3cret\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 0\r\n\r\n").read();
            RawHttp.Response other = client.send("POST /routes/default/rollback HTTP/1.1\r\nHost: 127.0.0.1:"
                    + balancer.adminPort() + "\r\nOrigin: https://localhost:8443\r\nAuthorization: Bearer s3cret\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 0\r\n\r\n").read();

            assertThat(allowed.status()).as(allowed.body()).isEqualTo(200);
            assertThat(other.status()).as("another port of a name not listed").isEqualTo(403);
        }
    }

    private static HttpResponse<String> send(String method, String path, String authorization) throws Exception {
        HttpRequest.Builder request = Http.request(balancer.adminUrl() + path, "Content-Type", "application/json")
                .method(method, method.equals("PUT") ? HttpRequest.BodyPublishers.ofString("{\"weight\":5}")
                        : HttpRequest.BodyPublishers.noBody());
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.client().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
