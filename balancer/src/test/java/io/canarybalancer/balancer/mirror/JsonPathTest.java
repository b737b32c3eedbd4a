package io.canarybalancer.balancer.mirror;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** Parsing JSON paths, their errors, and removing what they match from a document. */
class JsonPathTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void givesItsTextBack() {
        assertThat(JsonPath.parse("$.items[*]['a b'].*[3]")).hasToString("$.items[*]['a b'].*[3]");
    }

    @Test
    void equalsAnotherSpellingOfTheSameSteps() {
        assertThat(JsonPath.parse("$['id']")).isEqualTo(JsonPath.parse("$.id"))
                .hasSameHashCodeAs(JsonPath.parse("$[\"id\"]"));
        assertThat(JsonPath.parse("$.id")).isNotEqualTo(JsonPath.parse("$.ids"));
        assertThat(JsonPath.parse("$[1]")).isNotEqualTo(JsonPath.parse("$[*]"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "``              | starts with '$'",
            "timestamp       | expected '$' (a JSON path starts with it, such as $.timestamp) at position 1, got 't'",
            "$               | names the whole body",
            "$.              | expected a field name (letters, digits, '_', '-') or '*' after '.' at position 3, got the end",
            "$.a.            | at position 5, got the end",
            "$..a            | at position 3, got '.'",
            "$.a b           | expected '.' or '[' at position 4, got ' '",
            "$.a[            | expected '*', a quoted field name or an array index after '[' at position 5, got the end",
            "$.a[*           | expected ']' at position 6, got the end",
            "$.a[2           | expected ']' at position 6, got the end",
            "$.a['b          | expected the closing ' of the field name at position 7, got the end",
            "$.a['b'x]       | expected ']' at position 8, got 'x'",
            "$[-1]           | after '[' at position 3, got '-'",
            "$[x]            | after '[' at position 3, got 'x'",
            "$[99999999999]  | expected an array index of at most 2147483647 at position 3",
            "$.é             | at position 3, got 'é'",
    })
    void rejectsWhatIsNotAPathSayingWhereAndWhy(String text, String message) {
        assertThatIllegalArgumentException().isThrownBy(() -> JsonPath.parse(text)).withMessageContaining(message);
    }

    @Test
    void rejectsNull() {
        assertThatIllegalArgumentException().isThrownBy(() -> JsonPath.parse(null)).withMessageContaining("'$'");
    }

    @Test
    void removesAField() {
        assertThat(removed("$.timestamp", "{\"id\":1,\"timestamp\":\"now\"}")).isEqualTo("{\"id\":1}");
    }

    @Test
    void removesANestedFieldAndLeavesItsSiblings() {
        assertThat(removed("$.meta.replica", "{\"meta\":{\"replica\":\"r1\",\"v\":2},\"replica\":\"top\"}"))
                .isEqualTo("{\"meta\":{\"v\":2},\"replica\":\"top\"}");
    }

    @Test
    void removesAFieldNamedByAnyCharacters() {
        assertThat(removed("$['a.b c']", "{\"a.b c\":1,\"a\":{\"b c\":2}}")).isEqualTo("{\"a\":{\"b c\":2}}");
        assertThat(removed("$[\"it's\"]", "{\"it's\":1,\"x\":2}")).isEqualTo("{\"x\":2}");
    }

    @Test
    void removesAFieldOfEveryElement() {
        assertThat(removed("$.items[*].id", "{\"items\":[{\"id\":1,\"n\":\"a\"},{\"n\":\"b\"},{\"id\":3},7]}"))
                .isEqualTo("{\"items\":[{\"n\":\"a\"},{\"n\":\"b\"},{},7]}");
    }

    @Test
    void removesEveryElementOrEveryField() {
        assertThat(removed("$.items[*]", "{\"items\":[1,2,3],\"n\":1}")).isEqualTo("{\"items\":[],\"n\":1}");
        assertThat(removed("$.meta.*", "{\"meta\":{\"a\":1,\"b\":2},\"n\":1}")).isEqualTo("{\"meta\":{},\"n\":1}");
    }

    @Test
    void removesAFieldOfEveryFieldWithAWildcardInTheMiddle() {
        assertThat(removed("$.replicas.*.at", "{\"replicas\":{\"a\":{\"at\":1,\"up\":true},\"b\":{\"at\":2}}}"))
                .isEqualTo("{\"replicas\":{\"a\":{\"up\":true},\"b\":{}}}");
    }

    @Test
    void removesOneElementByIndex() {
        assertThat(removed("$[1]", "[\"a\",\"b\",\"c\"]")).isEqualTo("[\"a\",\"c\"]");
    }

    @Test
    void walksNestedArrays() {
        assertThat(removed("$.grid[*][0]", "{\"grid\":[[1,2],[3],[]]}")).isEqualTo("{\"grid\":[[2],[],[]]}");
        assertThat(removed("$.grid[1][*].x", "{\"grid\":[[{\"x\":1}],[{\"x\":2,\"y\":3}]]}"))
                .isEqualTo("{\"grid\":[[{\"x\":1}],[{\"y\":3}]]}");
    }

    @Test
    void removesNothingWhenThePathMatchesNothing() {
        String document = "{\"items\":[{\"id\":1}],\"meta\":{\"v\":2},\"n\":5}";
        for (String path : new String[] {"$.missing", "$.meta.missing.deeper", "$.items[5]", "$.items.id",
                "$.meta[0]", "$.n.x", "$.n[*]", "$.n.*", "$.missing[*].id"}) {
            assertThat(removed(path, document)).as(path).isEqualTo(document);
        }
    }

    private static String removed(String path, String json) {
        try {
            JsonNode root = MAPPER.readTree(json);
            JsonPath.parse(path).removeFrom(root);
            return root.toString();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
