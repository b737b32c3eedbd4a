package io.canarybalancer.balancer;

import io.canarybalancer.balancer.route.StickyRule;
import io.canarybalancer.testsupport.Http;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sticky canary assignment through two real balancer processes with the same configuration and
 * no shared state (file discovery, rollout state kept by each): 3 stable + 1 canary backends.
 */
class StickyIT {
    private static final int USERS = 1_000;

    @TempDir
    static Path dir;
    static List<TestBackend> stable;
    static TestBackend canary;
    static BalancerProcess first;
    static BalancerProcess second;
    static final Http http = new Http();

    @BeforeAll
    static void start() throws Exception {
        stable = List.of(new TestBackend("stable-1"), new TestBackend("stable-2"), new TestBackend("stable-3"));
        canary = new TestBackend("canary-1");
        Path config = TestConfigs.config(dir, TestConfigs.replicas(stable, List.of(canary)), """
                routes:
                  - name: users
                    pathPrefix: /
                    strategy: weight
                    weight: 10
                    sticky: {header: X-User-Id}
                  - name: browsers
                    pathPrefix: /web
                    strategy: weight
                    weight: 50
                    sticky: {cookie: canary_id}
                """);
        first = BalancerProcess.start(config);
        second = BalancerProcess.start(config);
    }

    @AfterAll
    static void stop() {
        first.close();
        second.close();
        stable.forEach(TestBackend::close);
        canary.close();
    }

    @Test
    void bothInstancesPutEveryUserOnTheSameSideAndRaisingTheShareOnlyMovesUsersToTheCanary() throws Exception {
        setWeight(10);
        boolean[] onCanaryAt10 = new boolean[USERS];
        int canaryAt10 = 0;
        for (int user = 0; user < USERS; user++) {
            String pool = pool(first, user);
            assertThat(pool(second, user)).as("user %d on the second instance", user).isEqualTo(pool);
            assertThat(pool(first, user)).as("user %d again", user).isEqualTo(pool);
            assertThat(pool).isEqualTo(StickyRule.bucket("users", "user-" + user) < 1_000 ? "canary" : "stable");
            onCanaryAt10[user] = pool.equals("canary");
            canaryAt10 += onCanaryAt10[user] ? 1 : 0;
        }
        assertThat(canaryAt10).isBetween(60, 140);

        setWeight(50);
        int moved = 0;
        for (int user = 0; user < USERS; user++) {
            String pool = pool(first, user);
            assertThat(pool(second, user)).as("user %d on the second instance", user).isEqualTo(pool);
            if (onCanaryAt10[user]) {
                assertThat(pool).as("user %d, on the canary at 10%%", user).isEqualTo("canary");
            } else if (pool.equals("canary")) {
                moved++;
            }
        }
        System.out.printf("Sticky: %d of %d users on the canary at 10%%; raising to 50%% moved %d more, none back%n",
                canaryAt10, USERS, moved);
        assertThat(moved).as("users moved from stable to canary").isBetween(340, 460);
    }

    @Test
    void aNewBrowserGetsACookieAndStaysOnTheSideItsFirstRequestWentTo() throws Exception {
        int onCanary = 0;
        for (int browser = 0; browser < 100; browser++) {
            HttpResponse<String> firstVisit = http.get(first.baseUrl() + "/web/version");
            String setCookie = firstVisit.headers().firstValue("Set-Cookie").orElseThrow();
            assertThat(setCookie).matches("canary_id=[0-9a-f]{32}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax");
            String cookie = setCookie.substring(0, setCookie.indexOf(';'));
            String side = BalancerProcess.pool(firstVisit);
            for (BalancerProcess balancer : List.of(first, second, first)) {
                HttpResponse<String> again = http.get(balancer.baseUrl() + "/web/version", "Cookie", "theme=dark; " + cookie);
                assertThat(BalancerProcess.pool(again)).as("browser %d with %s", browser, cookie).isEqualTo(side);
                assertThat(again.headers().firstValue("Set-Cookie")).as("a known browser gets no new cookie").isEmpty();
            }
            onCanary += side.equals("canary") ? 1 : 0;
        }
        assertThat(onCanary).as("new browsers on the canary at 50%").isBetween(25, 75);
    }

    @Test
    void requestsWithoutAKeyFollowTheWeight() throws Exception {
        setWeight(10);
        List<HttpResponse<String>> responses = http.concurrentGets(first.baseUrl() + "/version", 400);
        assertThat(Http.tally(responses, BalancerProcess::pool)).containsEntry("canary", 40L).containsEntry("stable", 360L);
    }

    private static void setWeight(int weight) throws Exception {
        for (BalancerProcess balancer : List.of(first, second)) {
            HttpResponse<String> response = http.sendJson("PUT", balancer.adminUrl() + "/routes/users/rollout",
                    "{\"weight\": " + weight + "}");
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        }
    }

    private static String pool(BalancerProcess balancer, int user) throws Exception {
        HttpResponse<String> response = http.get(balancer.baseUrl() + "/version", "X-User-Id", "user-" + user);
        assertThat(response.statusCode()).isEqualTo(200);
        return BalancerProcess.pool(response);
    }
}
