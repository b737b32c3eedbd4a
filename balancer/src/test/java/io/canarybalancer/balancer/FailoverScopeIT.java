package io.canarybalancer.balancer;

import io.canarybalancer.balancer.route.StickyRule;
import io.canarybalancer.testsupport.Http;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Retries and ejection skips stay inside what the route's policy allows for each request: when
 * every replica a request may use is down, it is answered 502 naming one of them, and the other
 * pool never sees it. Two stable and two canary backends behind the real jar; each test kills one
 * pool and counts what reached the other.
 */
class FailoverScopeIT {
    private static final int REQUESTS = 20;

    @TempDir
    Path dir;
    List<TestBackend> stable;
    List<TestBackend> canary;
    BalancerProcess balancer;
    final Http http = new Http();

    @BeforeEach
    void start() throws Exception {
        stable = List.of(new TestBackend("stable-1"), new TestBackend("stable-2"));
        canary = List.of(new TestBackend("canary-1"), new TestBackend("canary-2"));
        balancer = BalancerProcess.start(TestConfigs.config(dir, TestConfigs.replicas(stable, canary), """
                timeouts: {response: 500ms, connect: 500ms}
                routes:
                  - {name: root, pathPrefix: /}
                  - {name: header, pathPrefix: /header, strategy: header}
                  - {name: reject, pathPrefix: /reject, strategy: header, fallback: reject}
                  - {name: rolled, pathPrefix: /rolled, strategy: weight, weight: 50}
                  - {name: inflight, pathPrefix: /inflight, strategy: weight, weight: 50}
                  - name: sticky
                    pathPrefix: /sticky
                    strategy: weight
                    weight: 50
                    sticky: {header: X-User-Id}
                """));
    }

    @AfterEach
    void stop() {
        balancer.close();
        stable.forEach(TestBackend::close);
        canary.forEach(TestBackend::close);
    }

    @Test
    void withTheHeaderStrategyUnflaggedRequestsNeverReachTheCanaryWhenStableFails() throws Exception {
        stable.forEach(TestBackend::close);

        for (int i = 0; i < REQUESTS; i++) {
            assertFailedOn(http.get(balancer.baseUrl() + "/header/version"), "stable");
        }
        assertThat(requests(canary)).as("requests that reached the canary").isZero();
        // The canary is up: flagged requests, which may use it, are served.
        assertThat(http.get(balancer.baseUrl() + "/header/version", "X-Canary", "1").body()).startsWith("canary-");
    }

    @Test
    void afterAnOperatorRollbackTheCanaryIsUntouchedWhenStableFails() throws Exception {
        HttpResponse<String> rollback = http.sendJson("POST", balancer.adminUrl() + "/routes/rolled/rollback", "");
        assertThat(rollback.statusCode()).as(rollback.body()).isEqualTo(200);
        stable.forEach(TestBackend::close);

        for (int i = 0; i < REQUESTS; i++) {
            assertFailedOn(http.get(balancer.baseUrl() + "/rolled/version"), "stable");
        }
        assertThat(requests(canary)).as("requests that reached the canary").isZero();
    }

    @Test
    void aRollbackWhileARequestWaitsKeepsItsRetriesOffTheCanary() throws Exception {
        stable.forEach(TestBackend::stall);
        // At 50% the route's first pick is stable (its slots go stable, canary, ...): a stalled replica.
        CompletableFuture<HttpResponse<String>> waiting = http.client().sendAsync(
                Http.request(balancer.baseUrl() + "/inflight/version").build(), HttpResponse.BodyHandlers.ofString());
        // promptly: the rollback must land before the retries are picked, 500 ms and 1 s after the request
        await().pollInterval(Duration.ofMillis(5)).until(() -> requests(stable) == 1);

        HttpResponse<String> rollback = http.sendJson("POST", balancer.adminUrl() + "/routes/inflight/rollback", "");
        assertThat(rollback.statusCode()).as(rollback.body()).isEqualTo(200);

        // Its retries go by the route as it is now: the other stable replica, then no one.
        HttpResponse<String> response = waiting.get(30, TimeUnit.SECONDS);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(504);
        assertThat(response.body()).contains("\"replica\":\"stable-");
        assertThat(requests(stable)).isEqualTo(2);
        assertThat(requests(canary)).as("requests that reached the canary").isZero();
    }

    @Test
    void aStickyUserStaysOnItsSideWhenThatSideFails() throws Exception {
        canary.forEach(TestBackend::close);
        int stableUsers = 0;
        int canaryUsers = 0;
        for (int user = 0; user < 2 * REQUESTS; user++) {
            String key = "user-" + user;
            HttpResponse<String> response = http.get(balancer.baseUrl() + "/sticky/version", "X-User-Id", key);
            if (StickyRule.bucket("sticky", key) < StickyRule.BUCKETS / 2) {
                canaryUsers++;
                assertFailedOn(response, "canary");
            } else {
                stableUsers++;
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.body()).startsWith("stable-");
            }
        }
        assertThat(canaryUsers).as("users on the canary's side").isPositive();
        assertThat(requests(stable)).as("requests that reached stable: its own users' only").isEqualTo(stableUsers);
    }

    @Test
    void withFallbackRejectFlaggedRequestsNeverReachStable() throws Exception {
        canary.forEach(TestBackend::close);

        for (int i = 0; i < REQUESTS; i++) {
            assertFailedOn(http.get(balancer.baseUrl() + "/reject/version", "X-Canary", "1"), "canary");
        }
        assertThat(requests(stable)).as("requests that reached stable").isZero();
    }

    /** A 502 naming a replica of {@code pool}: the one the request was last sent to. */
    private static void assertFailedOn(HttpResponse<String> response, String pool) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(502);
        assertThat(response.body()).contains("\"replica\":\"" + pool + "-");
    }

    private static int requests(List<TestBackend> backends) {
        return backends.stream().mapToInt(TestBackend::requests).sum();
    }
}
