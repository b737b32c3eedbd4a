package io.canarybalancer.balancer.mirror;

import io.canarybalancer.balancer.metrics.Outcomes;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A route's mirror: which requests take a turn of the share, the copies in flight, the compared
 * pairs it counts and keeps, and the metrics and comparison thread of {@link Mirrors}.
 */
class RouteMirrorTest {
    private static final Instant AT = Instant.parse("2026-01-01T00:00:00Z");

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private Mirrors mirrors;

    @AfterEach
    void close() {
        if (mirrors != null) {
            mirrors.close();
        }
    }

    @Test
    void copiesExactlyItsShareOfEligibleRequestsAndIneligibleOnesTakeNoTurn() {
        RouteMirror mirror = mirror(settings(10, 100, 64));
        List<Integer> copied = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            // A copy-able request, then one that is not: were the second to take turns, the copies
            // would all fall on one kind (alternation against a cycle of ten), 0 or 200 of the GETs.
            long length = i % 3 == 0 ? 0 : i % 3 == 1 ? -1 : 100; // none, chunked (not known yet), at the limit
            if (mirror.wants(i % 2 == 0 ? "GET" : "HEAD", length)) {
                copied.add(i);
            }
            boolean ineligible = i % 2 == 0 ? mirror.wants("POST", 0) : mirror.wants("GET", 101);
            assertThat(ineligible).as("request %d", i).isFalse();
        }
        assertThat(copied).hasSize(100);
        for (int block = 0; block < 100; block++) {
            int from = block * 10;
            assertThat(copied).as("one in every ten").filteredOn(i -> i >= from && i < from + 10).hasSize(1);
        }
    }

    @Test
    void aHundredPercentCopiesEveryEligibleRequestAndNothingElse() {
        RouteMirror mirror = mirror(new MirrorSettings(100, Set.of("POST"), 10, CompareRules.DEFAULT,
                Duration.ofSeconds(5), 64));
        assertThat(mirror.wants("POST", 10)).isTrue();
        assertThat(mirror.wants("POST", 11)).isFalse();
        assertThat(mirror.wants("GET", 0)).as("GET not listed").isFalse();
        assertThat(mirror.wants("post", 0)).as("methods are case-sensitive").isFalse();
    }

    @Test
    void refusesACopyBeyondMaxInFlightAndCountsItDropped() throws IOException {
        RouteMirror mirror = mirror(settings(10, 100, 3));
        for (int i = 0; i < 3; i++) {
            assertThat(mirror.reserve()).as("copy %d", i + 1).isTrue();
        }
        assertThat(mirror.reserve()).isFalse();
        assertThat(mirror.counts().dropped()).isEqualTo(1);
        assertThat(mirror.counts().sent()).as("a place reserved is not a copy sent").isZero();
        assertThat(mirror.counts().inFlight()).isEqualTo(3);
        mirror.sent();
        assertThat(mirror.counts().sent()).isEqualTo(1);

        mirror.release();
        assertThat(mirror.reserve()).as("a place freed").isTrue();
        assertThat(mirror.reserve()).isFalse();
        assertThat(mirror.counts().dropped()).isEqualTo(2);
        assertThat(mirror.counts().sent()).isEqualTo(1);
        assertThat(mirror.counts().inFlight()).isEqualTo(3);
        assertThat(sample("canary_balancer_mirror_requests_total", "outcome=\"dropped\",route=\"api\"")).isEqualTo(2);
    }

    @Test
    void countsComparedPairsByOutcomeAndKindAndKeepsTheLatestTenDifferingNewestFirst() {
        RouteMirror mirror = mirror(settings(10, 100, 64));
        mirror.compared(pair("/agreed", ok("a"), ok("a")), List.of(), AT);
        for (int i = 0; i < 12; i++) {
            mirror.compared(pair("/differs/" + i, ok("a"), ok("b")), List.of(new Difference(Difference.Kind.STATUS,
                    "200 != 404"), new Difference(Difference.Kind.BODY, "'a' != 'b'")), AT.plusSeconds(i));
        }
        mirror.compared(pair("/no-answer", ok("a"), Answer.failed("timed out after 5 s", 5_000_000_000L)),
                List.of(new Difference(Difference.Kind.NO_ANSWER, "timed out after 5 s")), AT.plusSeconds(20));

        RouteMirror.Counts counts = mirror.counts();
        assertThat(counts.agreed()).isEqualTo(1);
        assertThat(counts.differed()).isEqualTo(13);
        assertThat(counts.byKind()[Difference.Kind.STATUS.ordinal()]).isEqualTo(12);
        assertThat(counts.byKind()[Difference.Kind.BODY.ordinal()]).isEqualTo(12);
        assertThat(counts.byKind()[Difference.Kind.NO_ANSWER.ordinal()]).isEqualTo(1);
        assertThat(counts.byKind()[Difference.Kind.HEADER.ordinal()]).isZero();

        assertThat(mirror.recent()).extracting(RecentDifference::request).containsExactly("GET /no-answer",
                "GET /differs/11", "GET /differs/10", "GET /differs/9", "GET /differs/8", "GET /differs/7",
                "GET /differs/6", "GET /differs/5", "GET /differs/4", "GET /differs/3");
        RecentDifference noAnswer = mirror.recent().get(0);
        assertThat(noAnswer.difference()).isEqualTo("no-answer: timed out after 5 s");
        assertThat(noAnswer.canaryBody()).isEqualTo("timed out after 5 s");
        assertThat(noAnswer.canaryMillis()).isEqualTo(5000.0);
        assertThat(noAnswer.at()).isEqualTo(AT.plusSeconds(20));
        assertThat(mirror.recent().get(1).difference()).as("the first difference").isEqualTo("status: 200 != 404");

        RouteMirror.Snapshot snapshot = mirror.snapshot();
        assertThat(snapshot.pairs()).isEqualTo(14);
        assertThat(snapshot.differing()).isEqualTo(13);
        assertThat(snapshot.lastDifference()).isEqualTo("no-answer: timed out after 5 s");
        assertThat(snapshot.stable().requests()).isEqualTo(14);
        assertThat(snapshot.stable().errors()).isZero();
        assertThat(snapshot.canary().errors()).as("no answer counts as an error").isEqualTo(1);
    }

    @Test
    void aWindowOfSnapshotsKeepsTheLatestDifferenceOnlyWhenAPairDifferedInIt() {
        Outcomes stable = new Outcomes();
        Outcomes canary = new Outcomes();
        RouteMirror.Snapshot before = new RouteMirror.Snapshot(stable.snapshot(), canary.snapshot(), 10, 2, "body: x");
        stable.record(200, 1_000_000);
        canary.record(503, 2_000_000);
        RouteMirror.Snapshot agreedSince = new RouteMirror.Snapshot(stable.snapshot(), canary.snapshot(), 14, 2,
                "body: x");
        RouteMirror.Snapshot differedSince = new RouteMirror.Snapshot(stable.snapshot(), canary.snapshot(), 14, 5,
                "status: 200 != 503");

        RouteMirror.Snapshot agreed = agreedSince.minus(before);
        assertThat(agreed.pairs()).isEqualTo(4);
        assertThat(agreed.differing()).isZero();
        assertThat(agreed.diffRate()).isZero();
        assertThat(agreed.lastDifference()).isNull();
        assertThat(agreed.canary().errors()).isEqualTo(1);
        assertThat(agreed.stable().requests()).isEqualTo(1);

        RouteMirror.Snapshot differed = differedSince.minus(before);
        assertThat(differed.differing()).isEqualTo(3);
        assertThat(differed.diffRate()).isEqualTo(0.75);
        assertThat(differed.lastDifference()).isEqualTo("status: 200 != 503");

        assertThat(RouteMirror.Snapshot.EMPTY.diffRate()).as("no pairs").isZero();
        assertThat(before.diffRate()).isEqualTo(0.2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"é", "€", "😀", "aé", "a€", "ab€", "a😀", "ab😀", "abc😀"})
    void showsAtMost200BytesOfABodyCutOnACharacterBoundary(String text) {
        String body = text.repeat(300);
        RecentDifference shown = differing(answer(body), answer(body));
        byte[] bytes = shown.stableBody().getBytes(StandardCharsets.UTF_8);
        assertThat(bytes.length).isLessThanOrEqualTo(RecentDifference.MAX_BODY).isGreaterThan(190);
        assertThat(shown.stableBody()).endsWith("…").doesNotContain("\uFFFD");
        String kept = shown.stableBody().substring(0, shown.stableBody().length() - 1);
        assertThat(body).startsWith(kept);
        assertThat(shown.canaryBody()).isEqualTo(shown.stableBody());
    }

    @Test
    void showsABodyOfAtMost200BytesWhole() {
        String exactly200 = "ab" + "€".repeat(66);
        assertThat(exactly200.getBytes(StandardCharsets.UTF_8)).hasSize(200);
        RecentDifference shown = differing(answer(exactly200), answer("{\"price\":4}"));
        assertThat(shown.stableBody()).isEqualTo(exactly200);
        assertThat(shown.canaryBody()).isEqualTo("{\"price\":4}");

        String over = exactly200 + "c";
        assertThat(differing(answer(over), answer("")).stableBody()).isEqualTo("ab" + "€".repeat(65) + "…");
    }

    @Test
    void registersItsCountersForEachRouteAndOutcomeAndKind() throws IOException {
        mirrors = Mirrors.start(Map.of("api", settings(10, 100, 64)), registry, false);
        for (String outcome : List.of("agreed", "differed", "dropped", "too_large", "unpaired")) {
            assertThat(sample("canary_balancer_mirror_requests_total", "outcome=\"" + outcome + "\",route=\"api\""))
                    .as(outcome).isZero();
        }
        for (String kind : List.of("no-answer", "status", "header", "body")) {
            assertThat(sample("canary_balancer_mirror_differences_total", "kind=\"" + kind + "\",route=\"api\""))
                    .as(kind).isZero();
        }
        RouteMirror mirror = mirrors.forRoute("api");
        mirror.tooLarge();
        mirror.unpaired();
        assertThat(sample("canary_balancer_mirror_requests_total", "outcome=\"too_large\",route=\"api\"")).isEqualTo(1);
        assertThat(sample("canary_balancer_mirror_requests_total", "outcome=\"unpaired\",route=\"api\"")).isEqualTo(1);
        assertThat(mirrors.forRoute("other")).isNull();
        assertThat(Mirrors.start(Map.of(), new PrometheusRegistry(), false)).isSameAs(Mirrors.NONE);
    }

    @Test
    void comparesAHandedOverPairOnTheComparisonThread() throws IOException {
        mirrors = Mirrors.start(Map.of("api", settings(10, 100, 64)), registry, false);
        RouteMirror mirror = mirrors.forRoute("api");
        mirrors.compare(mirror, pair("/same", ok("{\"a\":1}"), ok("{\"a\": 1}")));
        mirrors.compare(mirror, pair("/other", ok("{\"a\":1}"), new Answer(500, null,
                Map.of("content-type", "application/json"), bytes("{\"a\":2}"), 7, 2_000_000)));

        await().until(() -> mirror.counts().agreed() + mirror.counts().differed() == 2);
        assertThat(mirror.counts().agreed()).isEqualTo(1);
        assertThat(mirror.counts().differed()).isEqualTo(1);
        assertThat(mirror.recent()).singleElement().satisfies(recent -> {
            assertThat(recent.request()).isEqualTo("GET /other");
            assertThat(recent.difference()).startsWith("status: ");
            assertThat(recent.canaryStatus()).isEqualTo(500);
        });
        assertThat(sample("canary_balancer_mirror_requests_total", "outcome=\"agreed\",route=\"api\"")).isEqualTo(1);
        assertThat(sample("canary_balancer_mirror_requests_total", "outcome=\"differed\",route=\"api\"")).isEqualTo(1);
        assertThat(sample("canary_balancer_mirror_differences_total", "kind=\"status\",route=\"api\"")).isEqualTo(1);
        assertThat(sample("canary_balancer_mirror_differences_total", "kind=\"body\",route=\"api\"")).isEqualTo(1);
        assertThat(mirror.snapshot().canary().errors()).isEqualTo(1);
    }

    private RouteMirror mirror(MirrorSettings settings) {
        mirrors = Mirrors.start(Map.of("api", settings), registry, false);
        return mirrors.forRoute("api");
    }

    private static MirrorSettings settings(int percent, int maxBodyBytes, int maxInFlight) {
        return new MirrorSettings(percent, MirrorSettings.DEFAULT_METHODS, maxBodyBytes, CompareRules.DEFAULT,
                Duration.ofSeconds(5), maxInFlight);
    }

    /** The one differing pair of stable's and the canary's answers, as {@code /status} shows it. */
    private static RecentDifference differing(Answer stable, Answer canary) {
        return RecentDifference.of(pair("/", stable, canary), new Difference(Difference.Kind.BODY, "differs"), AT);
    }

    private static MirroredPair pair(String target, Answer stable, Answer canary) {
        return new MirroredPair("GET", target, "stable-0", "canary-0", stable, canary);
    }

    private static Answer ok(String body) {
        return new Answer(200, null, Map.of("content-type", "application/json"), bytes(body), bytes(body).length,
                1_000_000);
    }

    private static Answer answer(String body) {
        byte[] bytes = bytes(body);
        return new Answer(200, null, Map.of("content-type", "text/plain"), bytes, bytes.length, 1_000_000);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The value of the sample {@code name{labels}} in the registry's Prometheus text (labels in name order). */
    private double sample(String name, String labels) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
        String prefix = name + "{" + labels + "} ";
        return out.toString(StandardCharsets.UTF_8).lines()
                .filter(line -> line.startsWith(prefix))
                .mapToDouble(line -> Double.parseDouble(line.substring(prefix.length()).split(" ")[0]))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no sample " + prefix + "in the registry"));
    }
}
