package io.canarybalancer.balancer.mirror;

import io.canarybalancer.balancer.mirror.CompareRules.BodyMode;
import io.canarybalancer.balancer.mirror.Difference.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The rules two answers to a mirrored request are compared by, and the details of their differences. */
class AnswerComparisonTest {
    private static final Map<String, String> JSON = Map.of("content-type", "application/json");
    private static final Map<String, String> TEXT = Map.of("content-type", "text/plain");

    @Test
    void equalAnswersAgree() {
        Answer answer = answer(200, JSON, "{\"id\":1}");
        assertThat(compare(CompareRules.DEFAULT, answer, answer(200, JSON, "{\"id\":1}"))).isEmpty();
    }

    @Test
    void aCanaryWithoutAnAnswerIsOneNoAnswerDifferenceAndNothingElse() {
        List<Difference> differences = AnswerComparison.compare(rules(BodyMode.EXACT, "content-type"),
                answer(200, JSON, "{}"), Answer.failed("timed out after 5s", 5_000_000_000L));
        assertThat(differences)
                .containsExactly(new Difference(Kind.NO_ANSWER, "no answer from the canary: timed out after 5s"));
    }

    @Test
    void refusesToCompareWhenStableHasNoAnswer() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> AnswerComparison.compare(CompareRules.DEFAULT, Answer.failed("connection reset", 1),
                        answer(200, JSON, "{}")))
                .withMessageContaining("stable did not answer (connection reset)");
    }

    @Test
    void statusCodesDifferNamingBothAndTheClassWhenItDiffers() {
        assertThat(compare(rules(BodyMode.NONE), answer(200, TEXT, ""), answer(503, TEXT, "")))
                .containsExactly(new Difference(Kind.STATUS, "200 vs 503 (2xx vs 5xx)"));
        assertThat(compare(rules(BodyMode.NONE), answer(200, TEXT, ""), answer(201, TEXT, "")))
                .containsExactly(new Difference(Kind.STATUS, "200 vs 201"));
    }

    @Test
    void statusIsNotComparedWhenTheRulesLeaveItOut() {
        CompareRules bodyOnly = new CompareRules(false, List.of(), BodyMode.EXACT, List.of());
        assertThat(compare(bodyOnly, answer(200, TEXT, "ok"), answer(500, TEXT, "ok"))).isEmpty();
    }

    @Test
    void aComparedHeaderDiffersInValueOrPresence() {
        CompareRules rules = rules(BodyMode.NONE, "Content-Type", "x-a", "x-b", "x-absent");
        Answer stable = answer(200, Map.of("content-type", "application/json", "x-a", "1"), "");
        Answer canary = answer(200, Map.of("content-type", "text/plain", "x-b", "2"), "");
        assertThat(compare(rules, stable, canary)).containsExactly(
                new Difference(Kind.HEADER, "content-type: \"application/json\" vs \"text/plain\""),
                new Difference(Kind.HEADER, "x-a: \"1\" vs absent"),
                new Difference(Kind.HEADER, "x-b: absent vs \"2\""));
    }

    @Test
    void headersNotInTheRulesAreNotCompared() {
        assertThat(compare(rules(BodyMode.NONE, "x-a"), answer(200, Map.of("x-a", "1", "date", "Mon"), ""),
                answer(200, Map.of("x-a", "1", "date", "Tue"), ""))).isEmpty();
    }

    @Test
    void aLongHeaderValueIsShortenedToSixtyCharacters() {
        String detail = only(compare(rules(BodyMode.NONE, "x-long"), answer(200, Map.of("x-long", "a".repeat(100)), ""),
                answer(200, Map.of("x-long", "b"), ""))).detail();
        assertThat(detail).isEqualTo("x-long: \"" + "a".repeat(59) + "…\" vs \"b\"");
    }

    @Test
    void differencesComeStatusFirstThenHeadersInTheRulesOrderThenBody() {
        CompareRules rules = rules(BodyMode.EXACT, "x-b", "x-a");
        Answer stable = answer(200, Map.of("x-a", "1", "x-b", "1"), "one");
        Answer canary = answer(500, Map.of("x-a", "2", "x-b", "2"), "two");
        assertThat(compare(rules, stable, canary)).extracting(Difference::toString).containsExactly(
                "status: 200 vs 500 (2xx vs 5xx)",
                "header: x-b: \"1\" vs \"2\"",
                "header: x-a: \"1\" vs \"2\"",
                "body: at byte 0 (3 vs 3 bytes)");
    }

    @Test
    void exactBodiesDifferAtTheFirstDifferingByte() {
        String stable = "x".repeat(17) + "a" + "x".repeat(22);
        String canary = "x".repeat(17) + "b" + "x".repeat(23);
        assertThat(bodyDetail(BodyMode.EXACT, answer(200, TEXT, stable), answer(200, TEXT, canary)))
                .isEqualTo("at byte 17 (40 vs 41 bytes)");
    }

    @Test
    void anExactBodyThatIsAPrefixOfTheOtherDiffersAtItsLength() {
        assertThat(bodyDetail(BodyMode.EXACT, answer(200, TEXT, "abcd"), answer(200, TEXT, "abc")))
                .isEqualTo("at byte 3 (4 vs 3 bytes)");
        assertThat(bodyDetail(BodyMode.EXACT, answer(200, TEXT, ""), answer(200, TEXT, "a")))
                .isEqualTo("at byte 0 (0 vs 1 bytes)");
    }

    @Test
    void exactComparesJsonBytesAsTheyAre() {
        assertThat(bodyDetail(BodyMode.EXACT, answer(200, JSON, "{\"a\":1}"), answer(200, JSON, "{ \"a\":1}")))
                .isEqualTo("at byte 1 (7 vs 8 bytes)");
    }

    @Test
    void noneLeavesBodiesOut() {
        assertThat(compare(rules(BodyMode.NONE), answer(200, JSON, "{\"a\":1}"), answer(200, JSON, "{\"a\":2}")))
                .isEmpty();
    }

    @Test
    void emptyBodiesAgreeInEveryMode() {
        for (BodyMode mode : BodyMode.values()) {
            assertThat(compare(rules(mode), answer(204, JSON, ""), answer(204, JSON, ""))).as(mode.label()).isEmpty();
        }
    }

    @Test
    void jsonBodiesAgreeWhateverTheFieldOrderWhiteSpaceOrNumberSpelling() {
        assertThat(compare(rules(BodyMode.JSON), answer(200, TEXT, "{\"a\":1,\"b\":[1.0,2,{\"c\":null}],\"d\":0.1}"),
                answer(200, TEXT, " {\n \"d\": 0.10, \"b\": [1, 2e0, {\"c\": null}], \"a\": 1.00 }\n"))).isEmpty();
    }

    @Test
    void jsonBodiesDifferAtTheFirstPathInStablesOrderWithBothValues() {
        assertThat(bodyDetail(BodyMode.JSON, answer(200, JSON, "{\"id\":7,\"total\":10,\"name\":\"a\"}"),
                answer(200, JSON, "{\"name\":\"b\",\"total\":12,\"id\":7}"))).isEqualTo("$.total: 10 vs 12");
        assertThat(bodyDetail(BodyMode.JSON, answer(200, JSON, "{\"name\":\"a\"}"), answer(200, JSON, "{\"name\":\"b\"}")))
                .isEqualTo("$.name: \"a\" vs \"b\"");
    }

    @Test
    void aJsonElementOrFieldOnlyOneSideHasIsAbsentOnTheOther() {
        assertThat(bodyDetail(BodyMode.JSON, answer(200, JSON, "{\"items\":[{\"id\":1},{\"id\":2}]}"),
                answer(200, JSON, "{\"items\":[{\"id\":1},{\"id\":2},{\"id\":3}]}")))
                .isEqualTo("$.items[2]: absent vs {\"id\":3}");
        assertThat(bodyDetail(BodyMode.JSON, answer(200, JSON, "[1,2]"), answer(200, JSON, "[1]")))
                .isEqualTo("$[1]: 2 vs absent");
        assertThat(bodyDetail(BodyMode.JSON, answer(200, JSON, "{\"a\":1}"), answer(200, JSON, "{\"a\":1,\"new\":true}")))
                .isEqualTo("$.new: absent vs true");
        assertThat(bodyDetail(BodyMode.JSON, answer(200, JSON, "{\"a\":null}"), answer(200, JSON, "{}")))
                .isEqualTo("$.a: null vs absent");
    }

    @Test
    void jsonValuesOfAnotherTypeDiffer() {
        assertThat(bodyDetail(BodyMode.JSON, answer(200, JSON, "{\"n\":1}"), answer(200, JSON, "{\"n\":\"1\"}")))
                .isEqualTo("$.n: 1 vs \"1\"");
        assertThat(bodyDetail(BodyMode.JSON, answer(200, JSON, "{\"n\":[]}"), answer(200, JSON, "{\"n\":{}}")))
                .isEqualTo("$.n: [] vs {}");
        assertThat(bodyDetail(BodyMode.JSON, answer(200, JSON, "{\"big\":12345678901234567890}"),
                answer(200, JSON, "{\"big\":12345678901234567891}")))
                .isEqualTo("$.big: 12345678901234567890 vs 12345678901234567891");
    }

    @Test
    void aFieldWithAnUnusualNameIsShownInBrackets() {
        assertThat(bodyDetail(BodyMode.JSON, answer(200, JSON, "{\"a b\":{\"x.y\":1}}"),
                answer(200, JSON, "{\"a b\":{\"x.y\":2}}"))).isEqualTo("$['a b']['x.y']: 1 vs 2");
    }

    @Test
    void ignoredPathsMakeAPairThatDiffersOnlyThereAgree() {
        CompareRules rules = rules(BodyMode.JSON, List.of("$.timestamp", "$.replica", "$.items[*].servedAt"));
        Answer stable = answer(200, JSON,
                "{\"total\":10,\"timestamp\":1,\"replica\":\"s1\",\"items\":[{\"id\":1,\"servedAt\":5}]}");
        Answer canary = answer(200, JSON, "{\"total\":10,\"timestamp\":2,\"items\":[{\"id\":1,\"servedAt\":6}]}");
        assertThat(compare(rules, stable, canary)).isEmpty();
        assertThat(compare(rules(BodyMode.JSON), stable, canary))
                .containsExactly(new Difference(Kind.BODY, "$.timestamp: 1 vs 2"));
    }

    @Test
    void aRealFieldStillDiffersBesideIgnoredOnes() {
        CompareRules rules = rules(BodyMode.JSON, List.of("$.timestamp"));
        assertThat(compare(rules, answer(200, JSON, "{\"timestamp\":1,\"total\":10}"),
                answer(200, JSON, "{\"timestamp\":2,\"total\":12}")))
                .containsExactly(new Difference(Kind.BODY, "$.total: 10 vs 12"));
    }

    @Test
    void aBodyThatIsNotJsonIsComparedByteForByteSayingWhichSide() {
        assertThat(bodyDetail(BodyMode.JSON, answer(200, JSON, "{\"a\":1}"), answer(200, JSON, "<html>")))
                .isEqualTo("the canary's body is not JSON, at byte 0 (7 vs 6 bytes)");
        assertThat(bodyDetail(BodyMode.JSON, answer(200, JSON, "{\"a\":1} trailing"), answer(200, JSON, "{\"a\":1}")))
                .isEqualTo("stable's body is not JSON, at byte 7 (16 vs 7 bytes)");
        assertThat(bodyDetail(BodyMode.JSON, answer(200, JSON, "oops"), answer(200, JSON, "oops!")))
                .isEqualTo("neither body is JSON, at byte 4 (4 vs 5 bytes)");
        assertThat(compare(rules(BodyMode.JSON), answer(200, JSON, "not json"), answer(200, JSON, "not json"))).isEmpty();
    }

    @Test
    void autoComparesAsJsonWhenBothAnswersDeclareJson() {
        Answer stable = answer(200, Map.of("content-type", "application/json"), "{\"a\":1,\"b\":2}");
        Answer canary = answer(200, Map.of("content-type", "Application/Problem+JSON; charset=utf-8"), "{\"b\":2,\"a\":1}");
        assertThat(compare(rules(BodyMode.AUTO), stable, canary)).isEmpty();
        assertThat(compare(rules(BodyMode.EXACT), stable, canary)).extracting(Difference::kind).containsExactly(Kind.BODY);
    }

    @Test
    void autoComparesBytesUnlessBothAnswersDeclareJson() {
        String reordered = "{\"b\":2,\"a\":1}";
        for (Map<String, String> headers
                : List.of(TEXT, Map.<String, String>of(), Map.of("content-type", "application/jsonx"))) {
            assertThat(bodyDetail(BodyMode.AUTO, answer(200, JSON, "{\"a\":1,\"b\":2}"), answer(200, headers, reordered)))
                    .as(headers.toString()).isEqualTo("at byte 2 (13 vs 13 bytes)");
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "application/json                | true",
            "APPLICATION/JSON                | true",
            "application/json; charset=utf-8 | true",
            "application/problem+json        | true",
            "application/vnd.api+json;v=2    | true",
            "text/plain                      | false",
            "application/jsonp               | false",
            "text/json-seq                   | false",
            "+json                           | false",
    })
    void jsonContentTypes(String contentType, boolean json) {
        assertThat(AnswerComparison.declaresJson(answer(200, Map.of("content-type", contentType), ""))).isEqualTo(json);
    }

    @Test
    void truncatedBodiesAreComparedByteForByteNeverAsJson() {
        Answer stable = truncated(JSON, "{\"a\":1,", 100);
        Answer canary = truncated(JSON, "{ \"a\": 1,", 100);
        assertThat(bodyDetail(BodyMode.JSON, stable, canary)).isEqualTo("at byte 1 (100 vs 100 bytes)");
        assertThat(bodyDetail(BodyMode.AUTO, stable, canary)).isEqualTo("at byte 1 (100 vs 100 bytes)");
    }

    @Test
    void truncatedBodiesAgreeWhenTheirKeptPrefixesAndLengthsDo() {
        assertThat(compare(rules(BodyMode.JSON), truncated(JSON, "{\"a\":1,", 100), truncated(JSON, "{\"a\":1,", 100)))
                .isEmpty();
    }

    @Test
    void truncatedBodiesOfOtherLengthsDifferPastTheKeptBytes() {
        assertThat(bodyDetail(BodyMode.EXACT, truncated(TEXT, "abcdefg", 100), truncated(TEXT, "abcdefg", 200)))
                .isEqualTo("past the 7 bytes kept (100 vs 200 bytes)");
    }

    @Test
    void aWholeBodyThatIsAPrefixOfATruncatedOneDiffersAtItsLength() {
        assertThat(bodyDetail(BodyMode.AUTO, answer(200, JSON, "abc"), truncated(JSON, "abcdef", 100)))
                .isEqualTo("at byte 3 (3 vs 100 bytes)");
    }

    @Test
    void longJsonValuesAreShortenedToSixtyCharacters() {
        String detail = bodyDetail(BodyMode.JSON, answer(200, JSON, "{\"text\":\"" + "a".repeat(500) + "\"}"),
                answer(200, JSON, "{\"text\":{\"list\":[" + "1,".repeat(300) + "1]}}"));
        String stableValue = "\"" + "a".repeat(58) + "…";
        String canaryValue = "{\"list\":[" + "1,".repeat(25) + "…";
        assertThat(stableValue).hasSize(AnswerComparison.MAX_SHOWN);
        assertThat(canaryValue).hasSize(AnswerComparison.MAX_SHOWN);
        assertThat(detail).isEqualTo("$.text: " + stableValue + " vs " + canaryValue);
    }

    @Test
    void aLongJsonPathIsShortenedToItsLastSixtyCharacters() {
        String name = "n".repeat(100);
        String detail = bodyDetail(BodyMode.JSON, answer(200, JSON, "{\"" + name + "\":{\"leaf\":1}}"),
                answer(200, JSON, "{\"" + name + "\":{\"leaf\":2}}"));
        assertThat(detail).isEqualTo("…" + "n".repeat(54) + ".leaf: 1 vs 2");
    }

    @Test
    void anExactDetailShowsNoBodyBytes() {
        String body = "secret".repeat(200);
        assertThat(bodyDetail(BodyMode.EXACT, answer(200, TEXT, body), answer(200, TEXT, body + "!")))
                .isEqualTo("at byte 1200 (1200 vs 1201 bytes)");
    }

    private static List<Difference> compare(CompareRules rules, Answer stable, Answer canary) {
        return AnswerComparison.compare(rules, stable, canary);
    }

    /** The detail of the only difference, a body difference, that {@code mode} finds between the answers. */
    private static String bodyDetail(BodyMode mode, Answer stable, Answer canary) {
        Difference difference = only(compare(rules(mode), stable, canary));
        assertThat(difference.kind()).isEqualTo(Kind.BODY);
        return difference.detail();
    }

    private static Difference only(List<Difference> differences) {
        assertThat(differences).hasSize(1);
        return differences.get(0);
    }

    private static CompareRules rules(BodyMode body, String... headers) {
        return new CompareRules(true, List.of(headers), body, List.of());
    }

    private static CompareRules rules(BodyMode body, List<String> ignored) {
        return new CompareRules(true, List.of(), body, ignored.stream().map(JsonPath::parse).toList());
    }

    private static Answer answer(int status, Map<String, String> headers, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return new Answer(status, null, headers, bytes, bytes.length, 1_000_000);
    }

    /** An answer of {@code length} bytes of which only {@code kept} was kept. */
    private static Answer truncated(Map<String, String> headers, String kept, long length) {
        byte[] bytes = kept.getBytes(StandardCharsets.UTF_8);
        return new Answer(200, null, headers, Arrays.copyOf(bytes, bytes.length), length, 1_000_000);
    }
}
