package io.canarybalancer.balancer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.canarybalancer.balancer.admin.PrometheusText;
import io.canarybalancer.testsupport.Http;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Mirroring in the real jar with real backends: one route at weight 0 (a dark launch), so every
 * client request is stable's and the canary sees only the copies, marked {@code X-Canary-Mirror: 1}.
 * The share copied is exact, a stalled canary costs copies (dropped, or timed out as no answer) and
 * never a client's answer, ignored JSON fields agree, a real difference rolls the canary back and
 * stops the mirror, a healthy mirrored window promotes the canary to its first step, and only the
 * listed methods and bodies within the limit are copied.
 */
class MirrorIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ORDER =
            "{\"total\": 10, \"replica\": \"stable-1\", \"at\": \"2026-12-06T09:00:00.000Z\"}";
    private static final String ITEM = "{\"item\": 7}";
    /** Copies settle within the mirror's timeout (2s at most here) once the clients stop. */
    private static final Duration SETTLE = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    @AutoClose
    private final Started started = new Started();
    private final Http http = new Http();
    private TestBackend stable;
    private TestBackend canary;

    @BeforeEach
    void backends() throws Exception {
        stable = started.add(new TestBackend("stable-1"));
        canary = started.add(new TestBackend("canary-1"));
        canary.keepRequests();
    }

    @Test
    void tenPercentOfAThousandGetsAreCopiedExactlyWhileEveryClientGetsStablesAnswer() throws Exception {
        BalancerProcess balancer = start("percent: 10, compare: [status]");

        for (int i = 0; i < 1_000; i++) {
            HttpResponse<String> response = get(balancer, "/orders/" + i);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(BalancerProcess.pool(response)).as("request %d", i).isEqualTo("stable");
            assertThat(response.body()).as("request %d", i).isEqualTo("stable-1");
        }

        JsonNode mirror = settled(balancer, 100);
        assertThat(stable.requests()).isEqualTo(1_000);
        List<TestBackend.Received> copies = canary.received();
        assertThat(copies).hasSize(100)
                .allSatisfy(copy -> assertThat(copy.headers()).containsEntry("x-canary-mirror", "1"));
        int[] perHundred = new int[10];
        copies.forEach(copy -> perHundred[Integer.parseInt(copy.target().substring("/orders/".length())) / 100]++);
        assertThat(perHundred).as("copies among each 100 requests in turn: a rotation, not chance").containsOnly(10);
        assertThat(mirror.path("sent").asLong()).isEqualTo(100);
        assertThat(mirror.path("dropped").asLong()).isZero();
        assertThat(mirror.path("agreed").asLong()).as("status compared only: both answer 200").isEqualTo(100);
        assertThat(mirror.path("differed").asLong()).isZero();
        PrometheusText.Family outcomes = PrometheusText.parse(http.get(balancer.adminUrl() + "/metrics").body())
                .get("canary_balancer_mirror_requests");
        String total = "canary_balancer_mirror_requests_total";
        assertThat(outcomes.value(total, Map.of("route", "api", "outcome", "agreed"))).isEqualTo(100);
        assertThat(outcomes.value(total, Map.of("route", "api", "outcome", "differed"))).isZero();
    }

    @Test
    void aStalledCanaryHoldsOnlyMaxInFlightCopiesTheRestAreDroppedAndEveryClientGetsStablesAnswer() throws Exception {
        BalancerProcess balancer = start("percent: 100, timeout: 2s, maxInFlight: 2, compare: [status]");
        clientNanos(balancer, 200); // warm-up, so that the two measured runs below are alike
        long[] healthy = clientNanos(balancer, 300);
        JsonNode before = settled(balancer, 0);
        int canaryBefore = canary.requests();

        canary.stall();
        long[] stalled = clientNanos(balancer, 300);

        JsonNode after = settled(balancer, 0);
        long sent = delta(before, after, "sent");
        long dropped = delta(before, after, "dropped");
        System.out.printf("Client p99 over 300 GETs, every one copied: canary healthy %.2f ms, canary stalled %.2f ms;"
                + " while stalled %d copies sent, %d dropped%n", p99Millis(healthy), p99Millis(stalled), sent, dropped);
        assertThat(sent + dropped).as("every request was eligible: copied or dropped").isEqualTo(300);
        assertThat(dropped).as("the canary held maxInFlight copies, so others were dropped").isPositive();
        assertThat(canary.requests() - canaryBefore).as("copies that reached the stalled canary").isEqualTo(sent);
        assertThat(delta(before, after, "differed")).as("each copy sent timed out").isEqualTo(sent);
        assertThat(after.path("differences").path("no-answer").asLong()
                - before.path("differences").path("no-answer").asLong()).isEqualTo(sent);
        assertThat(delta(before, after, "agreed")).isZero();
        assertThat(after.path("recent").get(0).path("difference").asText()).contains("no answer within 2000 ms");
    }

    @Test
    void aCanaryWhoseJsonDiffersOnlyInIgnoredFieldsAgrees() throws Exception {
        stable.answerJson(ORDER);
        canary.answerJson("{\"total\": 10, \"replica\": \"canary-1\", \"at\": \"2026-12-06T09:00:00.042Z\"}");
        BalancerProcess balancer = start("percent: 100, ignoreJsonPaths: [$.replica, $.at]");

        for (int i = 0; i < 50; i++) {
            assertThat(get(balancer, "/orders").body()).isEqualTo(ORDER);
        }

        JsonNode mirror = settled(balancer, 50);
        assertThat(mirror.path("agreed").asLong()).isEqualTo(50);
        assertThat(mirror.path("differed").asLong()).isZero();
        assertThat(mirror.path("recent")).isEmpty();
    }

    @Test
    void aCanaryDifferingInARealFieldIsRolledBackForItAndGetsNoFurtherCopy() throws Exception {
        stable.answerJson(ORDER);
        canary.answerJson("{\"total\": 12, \"replica\": \"canary-1\", \"at\": \"2026-12-06T09:00:00.042Z\"}");
        BalancerProcess balancer = start("percent: 100, ignoreJsonPaths: [$.replica, $.at]",
                "analysis: {window: 30s, interval: 250ms, minRequests: 20, latencyMargin: 1s}");

        LoadUntil.drive(() -> get(balancer, "/orders"), () -> route(balancer),
                status -> status.path("autoRollback").isObject(), 2_000);

        JsonNode route = route(balancer);
        assertThat(route.path("autoRollback").path("reason").asText()).contains("$.total: 10 vs 12");
        assertThat(route.path("weight").asInt()).isZero();
        assertThat(route.path("mirror").path("active").asBoolean()).isFalse();
        assertThat(route.path("mirror").path("stoppedBecause").asText()).contains("rolled back");
        assertThat(route.path("mirror").path("differences").path("body").asLong()).isPositive();
        assertThat(route.path("mirror").path("recent").get(0).path("difference").asText())
                .contains("$.total: 10 vs 12");

        // Copies in flight at the moment of the rollback may finish; then nothing more.
        JsonNode stopped = settled(balancer, 0);
        int copies = canary.requests();
        for (int i = 0; i < 100; i++) {
            HttpResponse<String> response = get(balancer, "/orders");
            assertThat(BalancerProcess.pool(response)).isEqualTo("stable");
            assertThat(response.body()).isEqualTo(ORDER);
        }
        assertThat(canary.requests()).as("copies reaching the rolled-back canary").isEqualTo(copies);
        assertThat(mirror(balancer).path("sent").asLong()).isEqualTo(stopped.path("sent").asLong());
    }

    @Test
    void aHealthyDarkLaunchIsPromotedToItsFirstStep() throws Exception {
        stable.answerJson(ORDER);
        canary.answerJson(ORDER);
        BalancerProcess balancer = start("percent: 100",
                "analysis: {window: 30s, interval: 250ms, minRequests: 20, latencyMargin: 1s,"
                        + " schedule: {steps: [25, 100], pause: 1s}}");
        AtomicInteger firstStep = new AtomicInteger();

        LoadUntil.drive(() -> get(balancer, "/orders"), () -> route(balancer), status -> {
            assertThat(status.path("autoRollback").isNull()).as("not rolled back: %s", status).isTrue();
            firstStep.set(status.path("weight").asInt());
            return firstStep.get() > 0;
        }, 20_000);

        assertThat(firstStep.get()).as("the weight /status showed first after 0").isEqualTo(25);
        assertThat(balancer.output()).contains("Canary of route api healthy for its step: weight 0% -> 25%");
        long toCanary = http.concurrentGets(balancer.baseUrl() + "/orders", 100).stream()
                .filter(response -> BalancerProcess.pool(response).equals("canary")).count();
        assertThat(toCanary).as("client requests the promoted canary answered, of 100").isPositive();
    }

    @Test
    void aPostIsNotCopiedWhenOnlyTheDefaultMethodsAre() throws Exception {
        BalancerProcess balancer = start("percent: 100");

        assertThat(post(balancer, HttpRequest.BodyPublishers.ofString(ITEM))).as("stable's count").isEqualTo("11");
        get(balancer, "/orders"); // a copy that shows the mirror at work, and that the POST's would have come first

        settled(balancer, 1);
        assertThat(stable.requests()).isEqualTo(2);
        assertThat(canary.received()).extracting(TestBackend.Received::method).containsExactly("GET");
    }

    @Test
    void aPostIsCopiedWithItsBodyWhenItsMethodIsListed() throws Exception {
        BalancerProcess balancer = start("percent: 100, methods: [GET, POST]");

        assertThat(post(balancer, HttpRequest.BodyPublishers.ofString(ITEM))).as("stable's count").isEqualTo("11");

        JsonNode mirror = settled(balancer, 1);
        assertThat(canary.received()).singleElement().satisfies(copy -> {
            assertThat(copy.method()).isEqualTo("POST");
            assertThat(copy.target()).isEqualTo("/upload");
            assertThat(copy.body()).isEqualTo(ITEM);
            assertThat(copy.headers()).containsEntry("x-canary-mirror", "1");
        });
        assertThat(mirror.path("agreed").asLong()).as("both counted 11 bytes").isEqualTo(1);
    }

    @Test
    void bodiesOverTheLimitAreNotCopiedWhetherTheirLengthIsDeclaredOrChunked() throws Exception {
        BalancerProcess balancer = start("percent: 100, methods: [POST], maxBodyBytes: 100");
        String small = "s".repeat(50);
        String large = "L".repeat(500);

        assertThat(post(balancer, HttpRequest.BodyPublishers.ofString(small))).isEqualTo("50");
        assertThat(post(balancer, HttpRequest.BodyPublishers.ofString(large))).isEqualTo("500");
        assertThat(post(balancer, chunked(large))).isEqualTo("500");
        assertThat(stable.lastHeaders()).as("the last POST went chunked").containsEntry("transfer-encoding", "chunked");
        assertThat(post(balancer, chunked(small))).isEqualTo("50");

        JsonNode mirror = settled(balancer, 2);
        assertThat(canary.received()).extracting(TestBackend.Received::body).containsExactly(small, small);
        assertThat(canary.received().get(1).headers()).containsEntry("transfer-encoding", "chunked");
        assertThat(mirror.path("tooLarge").asLong()).as("the chunked body that outgrew the limit").isEqualTo(1);
        assertThat(mirror.path("dropped").asLong()).isZero();
    }

    /** "sent" counts copies that reached the canary: not a chunked one given up when it outgrew the limit. */
    @Test
    void aChunkedCopyGivenUpForItsSizeIsNotCountedAsSent() throws Exception {
        BalancerProcess balancer = start("percent: 100, methods: [POST], maxBodyBytes: 100");

        assertThat(post(balancer, chunked("L".repeat(500)))).isEqualTo("500");
        assertThat(post(balancer, chunked("s".repeat(50)))).isEqualTo("50");

        JsonNode mirror = settled(balancer, 1);
        assertThat(mirror.path("tooLarge").asLong()).isEqualTo(1);
        assertThat(mirror.path("sent").asLong()).as("copies sent, when the canary received %s", canary.received())
                .isEqualTo(canary.received().size());
    }

    /**
     * The real jar with one route {@code api} at weight 0, whose mirror is {@code {MIRROR}}, and
     * these further lines of the route (such as its analysis).
     */
    @Test
    void anHttp2ClientsRequestsAreCopiedLikeHttp11Ones() throws Exception {
        BalancerProcess balancer = start("percent: 10, compare: [status]");

        try (RawH2 client = RawH2.connect(balancer.port())) {
            for (int i = 0; i < 100; i++) {
                RawH2.Stream stream = client.get("/orders/" + i).await();
                assertThat(stream.status()).isEqualTo(200);
                assertThat(stream.pool()).as("request %d", i).isEqualTo("stable");
            }
        }

        JsonNode mirror = settled(balancer, 10);
        assertThat(canary.received()).hasSize(10).allSatisfy(copy -> {
            assertThat(copy.method()).isEqualTo("GET");
            assertThat(copy.headers()).containsEntry("x-canary-mirror", "1");
        });
        assertThat(mirror.path("sent").asLong()).isEqualTo(10);
        assertThat(mirror.path("agreed").asLong()).isEqualTo(10);
    }

    @Test
    void anHttp2PostWithoutADeclaredLengthIsCopiedWithItsBody() throws Exception {
        BalancerProcess balancer = start("percent: 100, methods: [POST]");

        try (RawH2 client = RawH2.connect(balancer.port())) {
            RawH2.Stream stream = client.send("POST", "/upload", ITEM.getBytes(StandardCharsets.UTF_8)).await();
            assertThat(stream.status()).isEqualTo(200);
            assertThat(stream.bodyText()).as("stable's count").isEqualTo("11");
        }

        JsonNode mirror = settled(balancer, 1);
        assertThat(canary.received()).singleElement().satisfies(copy -> {
            assertThat(copy.method()).isEqualTo("POST");
            assertThat(copy.target()).isEqualTo("/upload");
            assertThat(copy.body()).isEqualTo(ITEM);
            assertThat(copy.headers()).containsEntry("x-canary-mirror", "1")
                    .containsEntry("transfer-encoding", "chunked");
        });
        assertThat(mirror.path("agreed").asLong()).as("both counted 11 bytes").isEqualTo(1);
    }

    private BalancerProcess start(String mirror, String... routeLines) throws Exception {
        StringBuilder routes = new StringBuilder("""
                routes:
                  - name: api
                    strategy: weight
                    weight: 0
                """).append("    mirror: {").append(mirror).append("}\n");
        for (String line : routeLines) {
            routes.append("    ").append(line).append('\n');
        }
        String replicas = TestConfigs.replicas(List.of(stable), List.of(canary));
        Path config = TestConfigs.config(dir, replicas, routes.toString());
        return started.add(BalancerProcess.start(config));
    }

    /**
     * The route's mirror once no copy is in flight and at least {@code pairs} copies have been
     * compared or found unpaired; the caller asserts the exact counts.
     */
    private JsonNode settled(BalancerProcess balancer, long pairs) {
        return await("the mirror's copies to settle").atMost(SETTLE).until(() -> mirror(balancer), mirror ->
                mirror.path("inFlight").asLong() == 0 && mirror.path("agreed").asLong()
                        + mirror.path("differed").asLong() + mirror.path("unpaired").asLong() >= pairs);
    }

    /** Sends {@code count} GETs one after another, each answered by stable, and returns their latencies, sorted. */
    private long[] clientNanos(BalancerProcess balancer, int count) throws Exception {
        long[] nanos = new long[count];
        for (int i = 0; i < count; i++) {
            long start = System.nanoTime();
            HttpResponse<String> response = get(balancer, "/orders");
            nanos[i] = System.nanoTime() - start;
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(BalancerProcess.pool(response)).isEqualTo("stable");
            assertThat(response.body()).isEqualTo("stable-1");
        }
        Arrays.sort(nanos);
        return nanos;
    }

    private static double p99Millis(long[] sorted) {
        return sorted[(int) Math.ceil(sorted.length * 0.99) - 1] / 1e6;
    }

    private static long delta(JsonNode before, JsonNode after, String count) {
        return after.path(count).asLong() - before.path(count).asLong();
    }

    /** POSTs to {@code /upload}, checks stable answered, and returns its answer: the body's length. */
    private String post(BalancerProcess balancer, HttpRequest.BodyPublisher body) throws Exception {
        HttpResponse<String> response = http.client().send(Http.request(balancer.baseUrl() + "/upload")
                .POST(body).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(BalancerProcess.pool(response)).isEqualTo("stable");
        return response.body();
    }

    /** A body of unknown length, which the client sends chunked. */
    private static HttpRequest.BodyPublisher chunked(String body) {
        return HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofString(body));
    }

    private HttpResponse<String> get(BalancerProcess balancer, String path) throws Exception {
        return http.get(balancer.baseUrl() + path);
    }

    private JsonNode route(BalancerProcess balancer) throws Exception {
        return JSON.readTree(http.get(balancer.adminUrl() + "/status").body()).path("routes").get(0);
    }

    private JsonNode mirror(BalancerProcess balancer) throws Exception {
        return route(balancer).path("mirror");
    }
}
