package io.canarybalancer.balancer;

import io.canarybalancer.testsupport.Http;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The exercise's checks against the real jar and real backends: 3 stable + 1 canary, 400
 * concurrent requests per strategy, one route per strategy under its own prefix.
 */
class SplitIT {
    @TempDir
    static Path dir;
    static final List<TestBackend> stable = new ArrayList<>();
    static TestBackend canary;
    static BalancerProcess balancer;
    static final Http http = new Http();

    @BeforeAll
    static void start() throws Exception {
        for (int i = 1; i <= 3; i++) {
            stable.add(new TestBackend("stable-" + i));
        }
        canary = new TestBackend("canary-1");
        Path config = TestConfigs.config(dir, TestConfigs.replicas(stable, List.of(canary)), """
                routes:
                  - {name: replicas, pathPrefix: /}
                  - {name: header, pathPrefix: /header, strategy: header}
                  - {name: weight, pathPrefix: /weight, strategy: weight, weight: 10}
                  - name: shopper
                    pathPrefix: /shopper
                    strategy: header
                    header: {name: X-Mistery-Shopper}
                """);
        balancer = BalancerProcess.start(config);
    }

    @AfterAll
    static void stop() {
        balancer.close();
        stable.forEach(TestBackend::close);
        canary.close();
    }

    @Test
    void replicasStrategyGivesOneCanaryInFourExactlyOneQuarter() {
        List<HttpResponse<String>> responses = http.concurrentGets(balancer.baseUrl() + "/version", 400);

        assertThat(responses).allMatch(r -> r.statusCode() == 200);
        assertThat(Http.tally(responses, BalancerProcess::pool)).containsEntry("canary", 100L).containsEntry("stable", 300L);
        assertThat(Http.tally(responses, HttpResponse::body))
                .containsOnlyKeys("stable-1", "stable-2", "stable-3", "canary-1")
                .allSatisfy((replica, count) -> assertThat(count).isEqualTo(100L));
    }

    @Test
    void theHeaderSendsEveryFlaggedRequestToTheCanary() {
        List<HttpResponse<String>> responses = http.concurrentGets(balancer.baseUrl() + "/version", 400,
                "X-Canary", "true");

        assertThat(Http.tally(responses, HttpResponse::body)).isEqualTo(Map.of("canary-1", 400L));
    }

    @Test
    void headerStrategyKeepsUnflaggedRequestsOnStable() {
        List<HttpResponse<String>> plain = http.concurrentGets(balancer.baseUrl() + "/header/version", 400);
        List<HttpResponse<String>> flagged = http.concurrentGets(balancer.baseUrl() + "/header/version", 100,
                "X-Canary", "1");

        assertThat(Http.tally(plain, BalancerProcess::pool)).isEqualTo(Map.of("stable", 400L));
        assertThat(Http.tally(flagged, BalancerProcess::pool)).isEqualTo(Map.of("canary", 100L));
    }

    @Test
    void aCustomHeaderNameWorksLikeTheExercisesMisteryShopper() {
        List<HttpResponse<String>> flagged = http.concurrentGets(balancer.baseUrl() + "/shopper/version", 50,
                "X-MISTERY-SHOPPER", "1");
        List<HttpResponse<String>> defaultHeader = http.concurrentGets(balancer.baseUrl() + "/shopper/version", 50,
                "X-Canary", "1");

        assertThat(Http.tally(flagged, BalancerProcess::pool)).isEqualTo(Map.of("canary", 50L));
        assertThat(Http.tally(defaultHeader, BalancerProcess::pool)).isEqualTo(Map.of("stable", 50L));
    }

    @Test
    void weightStrategyGivesTheCanaryExactlyItsPercent() {
        List<HttpResponse<String>> responses = http.concurrentGets(balancer.baseUrl() + "/weight/version", 400);

        assertThat(Http.tally(responses, BalancerProcess::pool)).containsEntry("canary", 40L).containsEntry("stable", 360L);
    }

    @Test
    void forwardingHeadersReachTheBackend() throws Exception {
        HttpResponse<String> response = http.get(balancer.baseUrl() + "/header/headers",
                "X-Forwarded-For", "203.0.113.9");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body())
                .contains("x-forwarded-for=203.0.113.9, 127.0.0.1")
                .contains("x-forwarded-proto=http")
                .contains("x-forwarded-host=127.0.0.1:" + balancer.port());
    }
}
