package io.canarybalancer.balancer.admin;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.canarybalancer.balancer.BalancerProcess;
import io.canarybalancer.balancer.TestBackend;
import io.canarybalancer.balancer.TestConfigs;
import io.canarybalancer.balancer.admin.WebDriverClient.LogEntry;
import io.canarybalancer.balancer.tls.TestCertificates;
import io.canarybalancer.testsupport.Http;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The admin dashboard in a real headless Chromium (Debian's chromium and chromium-driver), driven over
 * the W3C WebDriver protocol against the real jar and real backends: 3 stable + 1 canary. Screenshots
 * are kept under {@code target/} ({@code dashboard.png}, {@code dashboard-rolled-back.png},
 * {@code dashboard-token.png}, {@code dashboard-analysis.png}, {@code dashboard-schedule.png},
 * {@code dashboard-mirror.png}).
 */
class DashboardIT {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Duration PATIENCE = Duration.ofSeconds(15);
    private static final String ROUTE = "[data-testid='route-default'] ";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static final List<TestBackend> stable = new ArrayList<>();
    static TestBackend canary;
    static WebDriverClient browser;
    static final Http http = new Http();

    @BeforeAll
    static void start() throws Exception {
        requireBrowser();
        for (int i = 1; i <= 3; i++) {
            stable.add(new TestBackend("stable-" + i));
        }
        canary = new TestBackend("canary-1");
        Path profile = Files.createDirectories(dir.resolve("chromium-profile"));
        browser = WebDriverClient.start(CHROMEDRIVER, CHROMIUM, profile, target().resolve("dashboard-chromedriver.log"));
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        stable.forEach(TestBackend::close);
        if (canary != null) {
            canary.close();
        }
    }

    @Test
    void showsTheLiveSplitAndARollBackChangesIt(TestInfo info) throws Exception {
        Path home = Files.createDirectories(dir.resolve("plain"));
        Path config = TestConfigs.config(home, TestConfigs.replicas(stable, List.of(canary)), "");
        BalancerProcess balancer = BalancerProcess.start(config);
        onPage(balancer, info, () -> {
            browser.browserLog();       // what earlier tests left is theirs
            browser.navigate(balancer.adminUrl() + "/");
            await("the route is shown", () -> "/".equals(text(ROUTE + "[data-testid='path-prefix']")));
            assertThat(text("[data-testid='discovery-kind']")).isEqualTo("file");
            // no analysis configured: no panel, a quiet note; not sticky; never rolled back
            assertThat(displayed(ROUTE + "[data-testid='analysis']")).isFalse();
            assertThat(text(ROUTE + "[data-testid='analysis-off']")).isEqualTo("analysis off");
            assertThat(displayed(ROUTE + "[data-testid='sticky']")).isFalse();
            assertThat(displayed(ROUTE + "[data-testid='auto-rollback']")).isFalse();
            assertThat(browser.displayed(browser.element("[data-testid='rollout-local-warning']"))).isTrue();
            assertThat(text("[data-testid='rollout-local-warning']")).contains("lost on restart");
            assertThat(text(ROUTE + "[data-testid='strategy']")).contains("replicas");
            assertThat(text(ROUTE + "[data-testid='split-expected-canary']")).isEqualTo("25.0%");
            assertThat(text(ROUTE + "[data-testid='split-observed-canary']")).isEqualTo("–");

            List<HttpResponse<String>> burst = http.concurrentGets(balancer.baseUrl() + "/version", 400);
            assertThat(burst).allMatch(r -> r.statusCode() == 200);
            assertThat(Http.tally(burst, BalancerProcess::pool)).containsEntry("canary", 100L).containsEntry("stable", 300L);
            await("the page counts the 400 requests and shows about 25% on the canary", () ->
                    "100".equals(text(ROUTE + "[data-testid='total-canary']"))
                            && "300".equals(text(ROUTE + "[data-testid='total-stable']"))
                            && Math.abs(percent(ROUTE + "[data-testid='split-observed-canary']") - 25) <= 7);
            assertThat(text(ROUTE + "[data-testid='split-cumulative-canary']")).isEqualTo("25.0%");
            assertThat(displayed(ROUTE + "[data-testid='flagged']")).isFalse();

            // flagged requests go to the canary by design: shown on a line of their own, not in the split
            List<HttpResponse<String>> flagged = http.concurrentGets(balancer.baseUrl() + "/version", 400,
                    "X-Canary", "1");
            assertThat(Http.tally(flagged, BalancerProcess::pool)).containsEntry("canary", 400L);
            await("the page shows the flagged requests apart", () -> displayed(ROUTE + "[data-testid='flagged']")
                    && text(ROUTE + "[data-testid='flagged']").contains("400 to canary, 0 to stable"));
            assertThat(text(ROUTE + "[data-testid='split-cumulative-canary']")).isEqualTo("25.0%");
            assertThat(browser.find(ROUTE + "[data-testid='replica-canary-1']")).isNotNull();
            assertThat(text(ROUTE + "[data-testid='replicas-stable']")).contains("stable-1", "stable-2", "stable-3", "passing");

            try (Traffic traffic = new Traffic(balancer.baseUrl() + "/version")) {
                await("live traffic is shown with about 25% on the canary", () ->
                        "live".equals(attribute(ROUTE + "[data-testid='split-observed-canary']", "data-mode"))
                                && percent(ROUTE + "[data-testid='split-observed-canary']") > 15
                                && percent(ROUTE + "[data-testid='split-observed-canary']") < 35
                                && number(ROUTE + "[data-testid='rate-canary']") > 0);
                assertThat(percent(ROUTE + "[data-testid='split-expected-canary']")).isCloseTo(25, within(0.01));
                assertThat(percent(ROUTE + "[data-testid='errors-canary']")).isZero();
                screenshot("dashboard.png");

                browser.click(browser.element(ROUTE + "[data-testid='rollback']"));
                await("the API reports the roll-back", () -> {
                    JsonNode route = status(balancer, null).path("routes").get(0);
                    return route.path("strategy").asText().equals("weight") && route.path("weight").asInt() == 0;
                });
                await("the page shows the canary at 0%, observed and expected", () ->
                        "0.0%".equals(text(ROUTE + "[data-testid='split-expected-canary']"))
                                && "0.0%".equals(text(ROUTE + "[data-testid='split-observed-canary']"))
                                && "live".equals(attribute(ROUTE + "[data-testid='split-observed-canary']", "data-mode")));
                assertThat(traffic.failures()).isZero();
            }
            assertThat(text(ROUTE + "[data-testid='strategy']")).contains("weight");
            assertThat(text(ROUTE + "[data-testid='weight']")).contains("0%");
            assertThat(text(ROUTE + "[data-testid='route-message']")).startsWith("Done");
            screenshot("dashboard-rolled-back.png");
            assertNoSevereLogs(List.of());

            // a refused change shows the API's own reason, and changes nothing
            String weight = browser.element(ROUTE + "[data-testid='weight-input']");
            browser.clear(weight);
            browser.sendKeys(weight, "150");
            browser.click(browser.element(ROUTE + "[data-testid='apply']"));
            await("the refusal is shown", () -> String.valueOf(text(ROUTE + "[data-testid='route-message']"))
                    .contains("weight must be a whole number from 0 to 100"));
            assertThat(status(balancer, null).path("routes").get(0).path("weight").asInt()).isZero();
            // Chromium itself logs the 400 answer as a failed resource load
            assertNoSevereLogs(List.of("status of 400"));
        });
    }

    @Test
    void warnsOfACertificateThatExpiresWithinFourteenDaysAndOfOneThatWouldNotLoad(TestInfo info) throws Exception {
        Path home = Files.createDirectories(dir.resolve("tls"));
        TestCertificates certificates = new TestCertificates();
        Instant now = Instant.now();
        TestCertificates.Written soon = certificates.write(TestCertificates.leaf("soon.example.com", "soon.example.com")
                .withValidity(now.minus(Duration.ofDays(80)), now.plus(Duration.ofDays(5)).plus(Duration.ofHours(1))),
                home.resolve("soon.pem"), home.resolve("soon-key.pem"));
        TestCertificates.Written later = certificates.write(TestCertificates.leaf("later.example.com", "later.example.com"),
                home.resolve("later.pem"), home.resolve("later-key.pem"));
        Path config = TestConfigs.config(home, TestConfigs.replicas(stable, List.of(canary)), "");
        TestConfigs.listen(config, """
                listen:
                  - 127.0.0.1:0
                  - address: 127.0.0.1:0
                    tls:
                      cert: soon.pem
                      key: soon-key.pem
                      sni: [{cert: later.pem, key: later-key.pem}]
                """);
        BalancerProcess balancer = BalancerProcess.start(config);
        onPage(balancer, info, () -> {
            browser.browserLog();
            browser.navigate(balancer.adminUrl() + "/");
            await("the expiry warning is shown", () -> displayed("[data-testid='tls-expiry-warning']"));
            List<String> expiring = new ArrayList<>();
            browser.execute("return Array.from(document.querySelectorAll(\"[data-testid='tls-expiring']\"))"
                    + ".map(item => item.innerText);").forEach(item -> expiring.add(item.asText()));
            assertThat(expiring).hasSize(1);
            assertThat(expiring.get(0)).contains(soon.cert().toAbsolutePath().toString(), "expires in 5 days",
                    "serial " + soon.serial()).doesNotContain("later");
            assertThat(displayed("[data-testid='tls-reload-warning']")).isFalse();

            // a broken renewal of the other pair: the page says it, and which serial is still served
            TestCertificates.writeStrayKey(home.resolve("stray.tmp"), "RSA");
            Files.move(home.resolve("stray.tmp"), later.key(), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            await("the reload failure is shown", () -> displayed("[data-testid='tls-reload-warning']"));
            assertThat(text("[data-testid='tls-reload-error']")).contains("does not match the certificate later.pem",
                    "still serving serial " + later.serial());
            screenshot("dashboard-tls.png");
            assertNoSevereLogs(List.of());
        });
    }

    @Test
    void withAnAdminTokenThePageAsksForItAndRemembersIt(TestInfo info) throws Exception {
        Path home = Files.createDirectories(dir.resolve("token"));
        Path config = TestConfigs.config(home, TestConfigs.replicas(stable, List.of(canary)), "");
        Files.writeString(config, Files.readString(config).replace("  listen: 127.0.0.1:0\n",
                "  listen: 127.0.0.1:0\n  token: s3cret\n"));
        assertThat(Files.readString(config)).contains("token: s3cret");
        BalancerProcess balancer = BalancerProcess.start(config);
        onPage(balancer, info, () -> {
            browser.browserLog();
            browser.navigate(balancer.adminUrl() + "/");
            await("the token form is shown", () -> displayed("[data-testid='token-form']"));
            assertThat(browser.find(ROUTE)).isNull();

            browser.sendKeys(browser.element("[data-testid='token-input']"), "nope");
            browser.click(browser.element("[data-testid='token-submit']"));
            await("a wrong token is refused", () -> String.valueOf(text("[data-testid='token-error']")).contains("refused"));

            browser.sendKeys(browser.element("[data-testid='token-input']"), "s3cret");
            browser.click(browser.element("[data-testid='token-submit']"));
            await("the routes are shown", () -> "25.0%".equals(text(ROUTE + "[data-testid='split-expected-canary']")));
            assertThat(displayed("[data-testid='token-form']")).isFalse();
            assertThat(browser.execute("return localStorage.getItem('canary-balancer.admin-token');").asText())
                    .isEqualTo("s3cret");

            browser.navigate(balancer.adminUrl() + "/");
            await("the remembered token is used after a reload", () -> browser.find(ROUTE) != null
                    && "25.0%".equals(text(ROUTE + "[data-testid='split-expected-canary']")));
            assertThat(displayed("[data-testid='token-form']")).isFalse();

            browser.click(browser.element(ROUTE + "[data-testid='rollback']"));
            await("a change is sent with the token", () -> "0.0%".equals(
                    text(ROUTE + "[data-testid='split-expected-canary']")));
            assertThat(status(balancer, "s3cret").path("routes").get(0).path("strategy").asText()).isEqualTo("weight");
            screenshot("dashboard-token.png");
            // Chromium logs each 401 answer (before the token was entered, and the wrong one) as a failed load
            assertNoSevereLogs(List.of("status of 401"));
        });
    }

    @Test
    void showsCanaryAnalysisAndItsAutomaticRollback(TestInfo info) throws Exception {
        TestBackend failingCanary = new TestBackend("canary-failing");
        try {
            failingCanary.failPercent(30);
            Path home = Files.createDirectories(dir.resolve("analysis"));
            Path config = TestConfigs.config(home, TestConfigs.replicas(stable, List.of(failingCanary)), """
                    routes:
                      - name: default
                        pathPrefix: /
                        strategy: weight
                        weight: 50
                        sticky: {header: X-User-Id}
                        analysis: {window: 30s, interval: 100ms, minRequests: 20, errorRateMargin: 0.1}
                    """);
            BalancerProcess balancer = BalancerProcess.start(config);
            onPage(balancer, info, () -> {
                browser.browserLog();
                browser.navigate(balancer.adminUrl() + "/");
                await("the analysis panel is shown, not yet judging", () -> displayed(ROUTE + "[data-testid='analysis']")
                        && String.valueOf(text(ROUTE + "[data-testid='analysis-state']")).matches("starting|waiting|healthy"));
                assertThat(text(ROUTE + "[data-testid='analysis-detail']")).isNotBlank();
                assertThat(text(ROUTE + "[data-testid='sticky']"))
                        .isEqualTo("sticky by header X-User-Id: 50.0% of users on canary");
                assertThat(text(ROUTE + "[data-testid='paused']")).isEqualTo("active");
                assertThat(text(ROUTE + "[data-testid='analysis-settings']")).contains("Window 30 s", "every 100 ms");
                assertThat(displayed(ROUTE + "[data-testid='analysis-schedule']")).isFalse();
                assertThat(displayed(ROUTE + "[data-testid='analysis-off']")).isFalse();
                assertThat(displayed(ROUTE + "[data-testid='auto-rollback']")).isFalse();

                // users spread over both pools until analysis sees the canary's 5xx and rolls it back
                String url = balancer.baseUrl() + "/version";
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                int sent = 0;
                long fromCanary = 0;
                long failed = 0;
                boolean rolledBack = false;
                while (!rolledBack && sent < 2_000 && System.nanoTime() < deadline) {
                    HttpResponse<String> response = http.get(url, "X-User-Id", "user-" + sent++);
                    fromCanary += BalancerProcess.pool(response).equals("canary") ? 1 : 0;
                    failed += response.statusCode() == 500 ? 1 : 0;
                    if (sent % 10 == 0) {
                        rolledBack = analysisState(balancer).equals("rolled-back");
                    }
                }
                assertThat(rolledBack).as("rolled back within 2,000 requests and 20 s (sent %d)", sent).isTrue();
                assertThat(fromCanary).isPositive();
                assertThat(failed).isPositive();

                await("the page shows the rollback and its reason", () ->
                        "rolled-back".equals(text(ROUTE + "[data-testid='analysis-state']"))
                                && displayed(ROUTE + "[data-testid='auto-rollback']")
                                && String.valueOf(text(ROUTE + "[data-testid='auto-rollback-reason']")).contains("5xx"));
                JsonNode route = status(balancer, null).path("routes").get(0);
                String reason = route.path("autoRollback").path("reason").asText();
                assertThat(reason).contains("5xx");
                assertThat(text(ROUTE + "[data-testid='auto-rollback-reason']")).isEqualToIgnoringCase(reason + ".");
                assertThat(text(ROUTE + "[data-testid='auto-rollback']"))
                        .contains("rolled back automatically", "flagged ones included", "Any change lifts this");
                assertThat(text(ROUTE + "[data-testid='auto-rollback-at']")).startsWith("at ");
                assertThat(text(ROUTE + "[data-testid='analysis-detail']")).contains(reason);
                assertThat(text(ROUTE + "[data-testid='paused']")).isEqualTo("HALTED");
                assertThat(text(ROUTE + "[data-testid='policy-note']")).contains("Halted by canary analysis");
                assertThat(text(ROUTE + "[data-testid='weight']")).contains("0%");
                assertThat(text(ROUTE + "[data-testid='sticky']"))
                        .isEqualTo("sticky by header X-User-Id: 0.0% of users on canary");
                // the window still holds the canary's failed answers, shown above its limit
                assertThat(percent(ROUTE + "[data-testid='window-errors-canary']")).isGreaterThan(10);
                assertThat(attribute(ROUTE + "[data-testid='window-errors-canary']", "class")).contains("bad");
                assertThat(number(ROUTE + "[data-testid='window-requests-canary']")).isGreaterThanOrEqualTo(20);
                // halted means halted: even a flagged request stays on stable
                assertThat(BalancerProcess.pool(http.get(url, "X-Canary", "1"))).isEqualTo("stable");
                screenshot("dashboard-analysis.png");

                // an operator's change lifts it, and analysis starts a fresh window
                HttpResponse<String> lifted = http.client().send(Http.request(balancer.adminUrl() + "/routes/default/rollout",
                                "Content-Type", "application/json")
                        .PUT(HttpRequest.BodyPublishers.ofString("{\"weight\": 0}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(lifted.statusCode()).isEqualTo(200);
                await("the banner is gone and the canary no longer halted", () ->
                        !displayed(ROUTE + "[data-testid='auto-rollback']")
                                && "waiting".equals(text(ROUTE + "[data-testid='analysis-state']"))
                                && "active".equals(text(ROUTE + "[data-testid='paused']")));
                assertThat(text(ROUTE + "[data-testid='policy-note']")).doesNotContain("Halted");
                assertThat(status(balancer, null).path("routes").get(0).path("autoRollback").isNull()).isTrue();
                assertNoSevereLogs(List.of());
            });
        } finally {
            failingCanary.close();
        }
    }

    @Test
    void showsTheAnalysisScheduleSteppingTheCanaryUp(TestInfo info) throws Exception {
        Path home = Files.createDirectories(dir.resolve("schedule"));
        // a wide latency margin: a warming JVM's slow first answers must not roll this healthy canary back
        Path config = TestConfigs.config(home, TestConfigs.replicas(stable, List.of(canary)), """
                routes:
                  - name: default
                    pathPrefix: /
                    strategy: weight
                    analysis:
                      window: 30s
                      interval: 100ms
                      minRequests: 10
                      latencyMargin: 10s
                      schedule: {steps: [10, 50, 100], pause: 2s}
                """);
        BalancerProcess balancer = BalancerProcess.start(config);
        onPage(balancer, info, () -> {
            browser.browserLog();
            browser.navigate(balancer.adminUrl() + "/");
            await("the schedule is shown at its first step", () -> displayed(ROUTE + "[data-testid='analysis-schedule']")
                    && "10%".equals(text(ROUTE + "[data-testid='analysis-steps'] [aria-current='step']")));
            assertThat(browser.execute("return [...document.querySelectorAll(arguments[0])].map(e => e.textContent).join(' ');",
                    ROUTE + "[data-testid='analysis-steps'] .step").asText()).isEqualTo("10% 50% 100%");
            assertThat(displayed(ROUTE + "[data-testid='auto-rollback']")).isFalse();

            try (Traffic traffic = new Traffic(balancer.baseUrl() + "/version")) {
                await("the page counts down to the next step", () ->
                        "healthy".equals(text(ROUTE + "[data-testid='analysis-state']"))
                                && String.valueOf(text(ROUTE + "[data-testid='analysis-next-step']"))
                                .matches("Next step 50% in \\d+ s, if the canary stays healthy"));
                screenshot("dashboard-schedule.png");
                await("the canary is stepped up to 50%", () ->
                        "50%".equals(text(ROUTE + "[data-testid='analysis-steps'] [aria-current='step']"))
                                && "50%".equals(text(ROUTE + "[data-testid='analysis-steps'] .step.done + .step-arrow + .step.current")));
                assertThat(text(ROUTE + "[data-testid='weight']")).contains("50%");
                await("the schedule completes at 100%", () ->
                        "complete".equals(text(ROUTE + "[data-testid='analysis-state']"))
                                && "Schedule complete at 100%.".equals(text(ROUTE + "[data-testid='analysis-next-step']")));
                assertThat(traffic.failures()).isZero();
            }
            assertNoSevereLogs(List.of());
        });
    }

    @Test
    void showsAMirrorsCountsAndItsRecentDifferencesAsText(TestInfo info) throws Exception {
        // both sides carry markup in their bodies: the page must show it as text, never make it an element
        String markup = "<img src=x onerror=document.body.dataset.xss=1>";
        try (JsonBackend stableJson = new JsonBackend("json-stable", 10, markup);
             JsonBackend canaryJson = new JsonBackend("json-canary", 12, markup)) {
            Path home = Files.createDirectories(dir.resolve("mirror"));
            String stableOnly = "service-v1:\n" + stableJson.replica() + "service-v2: []\n";
            String both = "service-v1:\n" + stableJson.replica() + "service-v2:\n" + canaryJson.replica();
            // a dark launch: users all on stable, every GET copied; a limit the ~50% of differing pairs stays under
            Path config = TestConfigs.config(home, both, """
                    routes:
                      - name: plain
                        pathPrefix: /plain
                        strategy: weight
                        weight: 0
                      - name: default
                        pathPrefix: /
                        strategy: weight
                        weight: 0
                        mirror: {percent: 100}
                        analysis: {window: 30s, interval: 100ms, minRequests: 10, latencyMargin: 10s, maxDiffRate: 0.9}
                    """);
            BalancerProcess balancer = BalancerProcess.start(config);
            onPage(balancer, info, () -> {
                browser.browserLog();
                browser.navigate(balancer.adminUrl() + "/");
                await("the mirror panel is shown, copying", () -> displayed(ROUTE + "[data-testid='mirror']")
                        && "copying".equals(text(ROUTE + "[data-testid='mirror-state']")));
                assertThat(browser.find("[data-testid='route-plain']")).isNotNull();
                assertThat(browser.find("[data-testid='route-plain'] [data-testid='mirror']")).isNull();
                assertThat(displayed(ROUTE + "[data-testid='mirror-stopped']")).isFalse();
                assertThat(text(ROUTE + "[data-testid='mirror-percent']")).isEqualTo("100%");
                assertThat(text(ROUTE + "[data-testid='mirror-recent']")).isEqualTo("No differing pair yet.");

                // /orders differs in $.total, /same agrees
                try (Traffic differing = new Traffic(balancer.baseUrl() + "/orders");
                     Traffic agreeing = new Traffic(balancer.baseUrl() + "/same")) {
                    await("the diff rate is drawn over several refreshes", () ->
                            Integer.parseInt(attribute(ROUTE + "[data-testid='mirror-chart']", "data-points")) >= 3
                                    && percent(ROUTE + "[data-testid='mirror-diff-rate-live']") > 0
                                    && displayed(ROUTE + "[data-testid='mirror-recent-row']"));
                    assertThat(browser.find(ROUTE + "[data-testid='mirror-chart'] path.observed")).isNotNull();
                    assertThat(differing.failures() + agreeing.failures()).isZero();
                }
                // every user answer came from stable
                assertThat(BalancerProcess.pool(http.get(balancer.baseUrl() + "/orders"))).isEqualTo("stable");

                JsonNode[] mirror = new JsonNode[1];
                await("the page shows the counts /status has, once the copies are all answered", () -> {
                    mirror[0] = route(balancer, "default").path("mirror");
                    return mirror[0].path("inFlight").asLong() == 0 && shownMirrorCounts().equals(mirrorCounts(mirror[0]));
                });
                JsonNode counts = mirror[0];
                assertThat(counts.path("agreed").asLong()).isPositive();
                assertThat(counts.path("differed").asLong()).isPositive();
                assertThat(counts.path("differences").path("body").asLong()).isEqualTo(counts.path("differed").asLong());
                assertThat(text(ROUTE + "[data-testid='mirror-diff-rate-total-sub']")).isEqualTo(
                        String.format(Locale.US, "%,d of %,d pairs", counts.path("differed").asLong(),
                                counts.path("agreed").asLong() + counts.path("differed").asLong()));

                // the analysis's mirrored window, against its limit
                await("the analysis window's diff rate is shown against its limit", () ->
                        String.valueOf(text(ROUTE + "[data-testid='mirror-window-diff-rate-sub']")).startsWith("limit ≤ 90.0%")
                                && percent(ROUTE + "[data-testid='mirror-window-diff-rate']") > 0);
                assertThat(text(ROUTE + "[data-testid='mirror-window-diff-limit']")).isEqualTo("≤ 90.0%");

                // the newest differing pair, as text
                JsonNode newest = counts.path("recent").get(0);
                assertThat(newest.path("difference").asText()).contains("$.total: 10 vs 12");
                String row = ROUTE + "[data-testid='mirror-recent-row']:first-child ";
                assertThat(text(row + "[data-testid='mirror-recent-request']")).isEqualTo("GET /orders");
                assertThat(text(row + "[data-testid='mirror-recent-difference']")).isEqualTo(newest.path("difference").asText());
                assertThat(text(row + "[data-testid='mirror-recent-stable-body']")).isEqualTo(stableJson.body());
                assertThat(text(row + "[data-testid='mirror-recent-canary-body']")).isEqualTo(canaryJson.body())
                        .contains(markup);
                assertThat(text(row + "[data-testid='mirror-recent-canary']")).startsWith("200 · ");
                assertThat(browser.execute("return document.querySelectorAll('img').length"
                        + " + document.querySelectorAll('[data-testid=\"mirror-recent-canary-body\"] *').length;").asInt())
                        .isZero();
                assertThat(browser.execute("return document.body.dataset.xss === undefined;").asBoolean()).isTrue();
                assertThat(text(ROUTE + "[data-testid='mirror-settings']")).contains("Copies 100% of the GET, HEAD requests",
                        "compares status, body (auto)");
                screenshot("dashboard-mirror.png");

                // without a canary replica the mirror stops, and the panel says why
                TestConfigs.writeAtomically(home.resolve("replicas.yml"), stableOnly);
                await("the panel shows the mirror stopped", () -> displayed(ROUTE + "[data-testid='mirror-stopped']")
                        && "STOPPED".equals(text(ROUTE + "[data-testid='mirror-state']")));
                JsonNode stopped = route(balancer, "default").path("mirror");
                assertThat(stopped.path("active").asBoolean()).isFalse();
                assertThat(text(ROUTE + "[data-testid='mirror-stopped-because']"))
                        .isEqualToIgnoringCase(stopped.path("stoppedBecause").asText() + ".");
                assertThat(browser.find("[data-testid='route-plain'] [data-testid='mirror']")).isNull();
                assertNoSevereLogs(List.of());
            });
        }
    }

    // ---------- helpers ----------

    private static final List<String> MIRROR_COUNTS =
            List.of("sent", "inFlight", "dropped", "tooLarge", "unpaired", "agreed", "differed");

    /** A mirror's counts, then its differences by kind, as {@code /status} has them. */
    private static List<Long> mirrorCounts(JsonNode mirror) {
        List<Long> counts = new ArrayList<>();
        MIRROR_COUNTS.forEach(key -> counts.add(mirror.path(key).asLong(-1)));
        for (String kind : List.of("no-answer", "status", "header", "body")) {
            counts.add(mirror.path("differences").path(kind).asLong(-1));
        }
        return counts;
    }

    /** The same, as the default route's mirror panel shows them. */
    private static List<Long> shownMirrorCounts() throws Exception {
        List<Long> counts = new ArrayList<>();
        for (String key : MIRROR_COUNTS) {
            counts.add((long) number(ROUTE + "[data-testid='mirror-" + key.replaceAll("([A-Z])", "-$1").toLowerCase() + "']"));
        }
        for (String kind : List.of("no-answer", "status", "header", "body")) {
            counts.add((long) number(ROUTE + "[data-testid='mirror-kind-" + kind + "']"));
        }
        return counts;
    }

    /**
     * A replica answering JSON on 127.0.0.1: {@code {"total": N, "note": "..."}} on every path but
     * {@code /same}, where any two of them agree.
     */
    static final class JsonBackend implements AutoCloseable {
        private final String name;
        private final String body;
        private final HttpServer server;

        JsonBackend(String name, int total, String note) throws IOException {
            this.name = name;
            this.body = "{\"total\": " + total + ", \"note\": \"" + note + "\"}";
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/", exchange -> {
                byte[] bytes = (exchange.getRequestURI().getPath().endsWith("/same") ? "{\"same\": true}" : body)
                        .getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.getResponseHeaders().set("X-Replica", name);
                exchange.sendResponseHeaders(200, bytes.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            });
            server.start();
        }

        String body() {
            return body;
        }

        /** Its replica-file line. */
        String replica() {
            return "  - {address: 127.0.0.1, port: " + server.getAddress().getPort() + ", id: " + name + "}\n";
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    private static String analysisState(BalancerProcess balancer) throws Exception {
        return status(balancer, null).path("routes").get(0).path("analysis").path("state").asText();
    }

    /** Sends GETs in small concurrent batches until closed (bounded: 30 s, 20,000 requests). */
    static final class Traffic implements AutoCloseable {
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicLong failures = new AtomicLong();
        private final Thread thread;

        Traffic(String url) {
            thread = new Thread(() -> {
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                int sent = 0;
                while (!stop.get() && sent < 20_000 && System.nanoTime() < deadline) {
                    try {
                        http.concurrentGets(url, 10).stream().filter(r -> r.statusCode() != 200)
                                .forEach(r -> failures.incrementAndGet());
                        sent += 10;
                        Thread.sleep(25);
                    } catch (InterruptedException e) {
                        return;
                    } catch (RuntimeException e) {
                        failures.incrementAndGet();
                    }
                }
            }, "dashboard-traffic");
            thread.setDaemon(true);
            thread.start();
        }

        long failures() {
            return failures.get();
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(Duration.ofSeconds(35).toMillis());
        }
    }

    private static void requireBrowser() {
        if (Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER)) {
            return;
        }
        String message = "needs " + CHROMIUM + " and " + CHROMEDRIVER
                + " (Debian packages: apt-get install -y chromium chromium-driver)";
        if ("1".equals(System.getenv("REQUIRE_BROWSER_TESTS"))) {
            throw new AssertionError(message);
        }
        Assumptions.abort(message);
    }

    /** Where the screenshots go: the module's target/ folder, beside the jar under test. */
    static Path target() {
        String jar = System.getProperty("balancer.jar");
        return jar == null ? Path.of("target") : Path.of(jar).toAbsolutePath().getParent();
    }

    private static void await(String what, Callable<Boolean> condition) throws Exception {
        try {
            Awaitility.await(what).atMost(PATIENCE)
                    // an element not there yet, or a value not yet a number
                    .ignoreExceptionsMatching(e -> e instanceof IllegalStateException || e instanceof NumberFormatException)
                    .until(condition);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("timed out after " + PATIENCE.toSeconds() + " s waiting until " + what
                    + "; page text:\n" + pageText(), e);
        }
    }

    private static String text(String css) throws Exception {
        String element = browser.find(css);
        return element == null ? null : browser.text(element).trim();
    }

    private static boolean displayed(String css) throws Exception {
        String element = browser.find(css);
        return element != null && browser.displayed(element);
    }

    private static String attribute(String css, String name) throws Exception {
        JsonNode value = browser.execute("const e = document.querySelector(arguments[0]);"
                + " return e ? e.getAttribute(arguments[1]) : null;", css, name);
        return value.isNull() ? null : value.asText();
    }

    /** A shown percentage such as "24.8%" as a number (24.8). */
    private static double percent(String css) throws Exception {
        String text = text(css);
        if (text == null || !text.endsWith("%")) {
            throw new NumberFormatException("not a percentage: " + text);
        }
        return Double.parseDouble(text.substring(0, text.length() - 1));
    }

    private static double number(String css) throws Exception {
        String text = text(css);
        return text == null ? Double.NaN : Double.parseDouble(text.replace(",", "").replace("–", "NaN"));
    }

    private static JsonNode route(BalancerProcess balancer, String name) throws Exception {
        for (JsonNode route : status(balancer, null).path("routes")) {
            if (route.path("name").asText().equals(name)) {
                return route;
            }
        }
        throw new AssertionError("no route " + name + " in /status");
    }

    private static JsonNode status(BalancerProcess balancer, String token) throws Exception {
        HttpResponse<String> response = token == null ? http.get(balancer.adminUrl() + "/status")
                : http.get(balancer.adminUrl() + "/status", "Authorization", "Bearer " + token);
        assertThat(response.statusCode()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    /** No SEVERE browser log entry since the last look, but those containing one of the expected texts. */
    private static void assertNoSevereLogs(List<String> expected) throws Exception {
        List<LogEntry> severe = browser.browserLog().stream()
                .filter(entry -> entry.level().equals("SEVERE"))
                .filter(entry -> expected.stream().noneMatch(entry.message()::contains))
                .toList();
        assertThat(severe).as("SEVERE browser log entries").isEmpty();
    }

    private static String pageText() {
        try {
            return browser.execute("return document.body.innerText;").asText();
        } catch (Exception e) {
            return "(unavailable: " + e.getMessage() + ")";
        }
    }

    /**
     * Saves the whole page (the window is made as tall as the page for the shot) once the bars' CSS
     * transitions are over.
     */
    private static void screenshot(String name) throws Exception {
        await("the page is still", () -> browser.execute(
                "return document.getAnimations().filter(a => a instanceof CSSTransition).length;").asInt() == 0);
        int height = browser.execute("return document.documentElement.scrollHeight;").asInt();
        browser.windowSize(1400, Math.max(1000, Math.min(height + 140, 4000)));
        try {
            browser.screenshot(target().resolve(name));
        } finally {
            browser.windowSize(1400, 1000);
        }
    }

    /**
     * Runs one test against a balancer's page: a screenshot of the page if it fails, then the page
     * left (it stops polling) before the balancer stops.
     */
    private static void onPage(BalancerProcess balancer, TestInfo info, PageTest test) throws Exception {
        try {
            test.run();
        } catch (AssertionError | Exception e) {
            failureScreenshot(info);
            throw e;
        } finally {
            leavePage();
            balancer.close();
        }
    }

    @FunctionalInterface
    private interface PageTest {
        void run() throws Exception;
    }

    private static void leavePage() {
        try {
            browser.navigate("about:blank");
        } catch (Exception e) {
            // nothing more to stop
        }
    }

    private static void failureScreenshot(TestInfo info) {
        try {
            screenshot("dashboard-failed-" + info.getTestMethod().map(m -> m.getName()).orElse("test") + ".png");
            System.err.println("browser log: " + browser.browserLog());
        } catch (Exception | AssertionError e) {
            // the original failure matters more
        }
    }
}
