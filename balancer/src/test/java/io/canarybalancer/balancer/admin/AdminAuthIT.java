package io.canarybalancer.balancer.admin;

import io.canarybalancer.balancer.BalancerProcess;
import io.canarybalancer.balancer.Http;
import io.canarybalancer.balancer.TestBackend;
import io.canarybalancer.balancer.TestConfigs;
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
                "  listen: 127.0.0.1:0\n  token: s3cret\n"));
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

    private static HttpResponse<String> send(String method, String path, String authorization) throws Exception {
        HttpRequest.Builder request = Http.request(balancer.adminUrl() + path)
                .method(method, method.equals("PUT") ? HttpRequest.BodyPublishers.ofString("{\"weight\":5}")
                        : HttpRequest.BodyPublishers.noBody());
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.client().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
