package io.canarybalancer.balancer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.canarybalancer.testsupport.Http;
import io.grpc.Status;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * gRPC through the real jar: grpc-java servers as replicas behind routes with
 * {@code backendProtocol: h2c}, and a grpc-java client speaking HTTP/2 with prior knowledge to the
 * balancer's plain listener. Each test has a balancer and replicas of its own, so the exact counts
 * are the test's alone.
 */
class GrpcIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int STREAMED = 10_000;

    @TempDir
    Path dir;
    @AutoClose
    private final Started started = new Started();
    private final Http http = new Http();

    @Test
    void threeStableAndOneCanaryGiveTheCanaryExactly100Of400UnaryCallsOverOneConnection() throws Exception {
        List<GrpcBackend> stable = List.of(backend("stable-1"), backend("stable-2"), backend("stable-3"));
        GrpcBackend canary = backend("canary-1");
        GrpcClient client = client(balancer(stable, List.of(canary), "{name: grpc, pathPrefix: /, backendProtocol: h2c}"));

        List<GrpcClient.Answer> answers = IntStream.range(0, 400).mapToObj(i -> client.get()).toList();

        assertThat(answers).allSatisfy(answer -> assertThat(answer.status().getCode()).isEqualTo(Status.Code.OK));
        assertThat(tally(answers, GrpcClient.Answer::pool)).isEqualTo(Map.of("canary", 100L, "stable", 300L));
        assertThat(tally(answers, GrpcClient.Answer::body))
                .isEqualTo(Map.of("stable-1", 100L, "stable-2", 100L, "stable-3", 100L, "canary-1", 100L));
        assertThat(canary.unaryCalls()).as("calls the canary itself served").isEqualTo(100);
        assertThat(stable).allSatisfy(replica -> assertThat(replica.unaryCalls()).isEqualTo(100));
    }

    @Test
    void aCallCarryingTheCanaryMetadataGoesToTheCanaryOnAHeaderRoute() throws Exception {
        GrpcBackend stable = backend("stable-1");
        GrpcBackend canary = backend("canary-1");
        GrpcClient client = client(balancer(List.of(stable), List.of(canary),
                "{name: grpc, pathPrefix: /, strategy: header, backendProtocol: h2c}"));

        GrpcClient.Answer plain = client.get(false);
        GrpcClient.Answer flagged = client.get(true);

        assertThat(plain.status().getCode()).isEqualTo(Status.Code.OK);
        assertThat(plain.body()).isEqualTo("stable-1");
        assertThat(plain.pool()).isEqualTo("stable");
        assertThat(flagged.status().getCode()).isEqualTo(Status.Code.OK);
        assertThat(flagged.body()).isEqualTo("canary-1");
        assertThat(flagged.pool()).isEqualTo("canary");
        assertThat(canary.unaryCalls()).isEqualTo(1);
        assertThat(canary.lastHeaders().get(GrpcClient.CANARY)).as("the metadata reaches the replica").isEqualTo("1");
    }

    @Test
    void aServerStreamOf10000MessagesPassesCompleteAndInOrderAndWaitsForASlowReader() throws Exception {
        GrpcBackend replica = backend("stable-1");
        GrpcClient client = client(balancer(List.of(replica), List.of(), "{name: grpc, pathPrefix: /, backendProtocol: h2c}"));

        GrpcClient.StreamCall call = client.stream(STREAMED);
        // The client reads nothing yet: flow control, end to end, must stop the replica's stream.
        // Held, not merely slowed: paused with nothing more sent across two looks half a second apart
        // (the windows on the way fill first, with pauses in between).
        AtomicInteger lastLook = new AtomicInteger(-1);
        await("the replica's stream held back by flow control").atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    GrpcBackend.StreamState state = replica.lastStream();
                    return state != null && state.paused() && lastLook.getAndSet(state.sent()) == state.sent();
                });
        GrpcBackend.StreamState stream = replica.lastStream();
        int sentWhenHeld = stream.sent();
        System.out.printf("Replica held after %d of %d messages (%d KiB) with the client reading nothing%n",
                sentWhenHeld, STREAMED, sentWhenHeld * (GrpcBackend.PADDING + 6) / 1024);
        assertThat(sentWhenHeld).as("messages sent ahead of a client that reads nothing").isLessThan(STREAMED / 4);
        assertThat(call.received()).isZero();

        call.request(Integer.MAX_VALUE);
        Status status = call.closed().get(30, TimeUnit.SECONDS);

        assertThat(status.getCode()).isEqualTo(Status.Code.OK);
        List<String> messages = call.messages();
        assertThat(messages).hasSize(STREAMED);
        for (int i = 0; i < STREAMED; i++) {
            assertThat(messages.get(i)).as("message %d", i).isEqualTo(GrpcBackend.StreamState.message(i));
        }
        assertThat(stream.completed()).isTrue();
        assertThat(stream.pauses()).as("times the replica waited for the window").isPositive();
        assertThat(call.pool()).isEqualTo("stable");
    }

    @Test
    void aCanaryAnsweringUnavailableOn30PercentIsRolledBackThoughEveryHttpStatusWas200() throws Exception {
        GrpcBackend canary = backend("canary-1");
        canary.fail(Status.Code.UNAVAILABLE, 30);
        BalancerProcess balancer = analysed(canary, "", "");
        GrpcClient client = client(balancer);

        Queue<GrpcClient.Answer> failures = new ConcurrentLinkedQueue<>();
        driveUntil(balancer, client, failures, route -> route.path("autoRollback").isObject(), 4_000);

        JsonNode route = route(balancer);
        assertThat(route.path("canaryHalted").asBoolean()).isTrue();
        assertThat(route.path("weight").asInt()).isZero();
        assertThat(route.path("analysis").path("state").asText()).isEqualTo("rolled-back");
        assertThat(route.path("autoRollback").path("reason").asText()).contains("canary");
        assertThat(route.at("/analysis/window/canary/errors").asLong()).as("failed canary answers in the window")
                .isPositive();
        // The failures were gRPC's own, in trailers after a 200 head: the replica's words reach the client.
        assertThat(canary.failedCalls()).isPositive();
        assertThat(failures).isNotEmpty().allSatisfy(answer -> {
            assertThat(answer.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(answer.status().getDescription()).startsWith("replica canary-1 fails call");
            assertThat(answer.pool()).isEqualTo("canary");
        });
        JsonNode canaryRequests = route.at("/pools/canary/requests");
        assertThat(canaryRequests.path("2xx").asLong()).as("canary answers by HTTP status class: %s", canaryRequests)
                .isEqualTo(route.at("/pools/canary/requestsTotal").asLong());

        // Calls in flight at the moment of the rollback may finish; then nothing more.
        int canaryBefore = canary.unaryCalls();
        for (int i = 0; i < 50; i++) {
            assertThat(client.get(false).pool()).isEqualTo("stable");
            assertThat(client.get(true).pool()).isEqualTo("stable");
        }
        assertThat(canary.unaryCalls()).as("calls reaching the rolled-back canary").isEqualTo(canaryBefore);
    }

    @ParameterizedTest(name = "{0} with failure codes [{1}]")
    @CsvSource(delimiter = ';', value = {
            "NOT_FOUND; ''",                          // not among the default codes
            "UNAVAILABLE; 'grpcFailureCodes: [INTERNAL]'"})
    void aGrpcStatusTheRouteDoesNotCountIsNoFailure(Status.Code code, String failureCodes) throws Exception {
        GrpcBackend canary = backend("canary-1");
        canary.fail(code, 30);
        // Latency hiccups of a busy machine are not the subject here.
        BalancerProcess balancer = analysed(canary, failureCodes, ", latencyMargin: 1s");
        GrpcClient client = client(balancer);

        Queue<GrpcClient.Answer> failures = new ConcurrentLinkedQueue<>();
        // Judged healthy on well over minRequests canary answers, a third of them failed calls.
        driveUntil(balancer, client, failures, route -> {
            if (!route.path("autoRollback").isNull()) {
                // Not an assertion error, which would only make the wait poll again: this ends it.
                throw new IllegalStateException("rolled back on calls failing with " + code + ": " + route);
            }
            return route.at("/analysis/state").asText().equals("healthy")
                    && route.at("/analysis/window/canary/requests").asLong() >= 100;
        }, 4_000);

        JsonNode route = route(balancer);
        assertThat(route.at("/analysis/window/canary/errors").asLong()).as("canary answers counted as failed").isZero();
        assertThat(route.path("canaryHalted").asBoolean()).isFalse();
        assertThat(route.path("weight").asInt()).isEqualTo(50);
        assertThat(route.path("backendProtocol").asText()).isEqualTo("h2c");
        assertThat(route.path("grpcFailureCodes")).extracting(JsonNode::asText).as("what the route counts").isNotEmpty()
                .doesNotContain(code.name());
        assertThat(canary.failedCalls()).as("calls the canary failed with %s", code).isGreaterThanOrEqualTo(30);
        assertThat(failures).isNotEmpty().allSatisfy(answer -> assertThat(answer.status().getCode()).isEqualTo(code));
    }

    /** Unary calls under {@link LoadUntil} until {@code condition} holds; answers that are not OK go to {@code failures}. */
    private void driveUntil(BalancerProcess balancer, GrpcClient client, Queue<GrpcClient.Answer> failures,
                            Predicate<JsonNode> condition, int limit) throws Exception {
        LoadUntil.drive(() -> {
            GrpcClient.Answer answer = client.get();
            if (!answer.ok()) {
                failures.add(answer);
            }
        }, () -> route(balancer), condition, limit);
    }

    /**
     * A balancer over one stable replica and {@code canary} at weight 50 with CanaryAnalysisIT's
     * analysis settings, under which a canary failing 30% of its calls is clearly worse within a
     * few hundred calls; {@code route} and {@code analysis} add lines to the route and settings.
     */
    private BalancerProcess analysed(GrpcBackend canary, String route, String analysis) throws Exception {
        return balancer(List.of(backend("stable-1")), List.of(canary), """
                name: grpc
                    pathPrefix: /
                    backendProtocol: h2c
                    strategy: weight
                    weight: 50
                    %s
                    analysis: {window: 20s, interval: 100ms, minRequests: 40, errorRateMargin: 0.1%s}
                """.formatted(route, analysis));
    }

    private JsonNode route(BalancerProcess balancer) throws Exception {
        return JSON.readTree(http.get(balancer.adminUrl() + "/status").body()).path("routes").get(0);
    }

    private static <T> Map<T, Long> tally(List<GrpcClient.Answer> answers, Function<GrpcClient.Answer, T> key) {
        return answers.stream().collect(Collectors.groupingBy(key, Collectors.counting()));
    }

    /** A balancer with one route (YAML of the list item, without its dash) over these replicas. */
    private BalancerProcess balancer(List<GrpcBackend> stable, List<GrpcBackend> canary, String route) throws Exception {
        String replicas = "service-v1:\n" + lines(stable) + (canary.isEmpty() ? "service-v2: []\n" : "service-v2:\n" + lines(canary));
        Path config = TestConfigs.config(dir, replicas, "routes:\n  - " + route);
        return started.add(BalancerProcess.start(config));
    }

    private static String lines(List<GrpcBackend> backends) {
        return backends.stream()
                .map(b -> "  - {address: 127.0.0.1, port: " + b.port() + ", id: " + b.name() + "}\n")
                .collect(Collectors.joining());
    }

    private GrpcBackend backend(String name) throws Exception {
        return started.add(new GrpcBackend(name));
    }

    private GrpcClient client(BalancerProcess balancer) {
        return started.add(new GrpcClient(balancer.port()));
    }
}
