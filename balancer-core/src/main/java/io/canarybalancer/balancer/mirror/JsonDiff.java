package io.canarybalancer.balancer.mirror;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.util.Map;

/**
 * Compares two JSON documents as trees: the order of an object's fields and white space do not count, numbers
 * are compared by value ({@code 1}, {@code 1.0} and {@code 1e0} agree), everything else by type and value.
 */
final class JsonDiff {
    /** Floats as BigDecimal, so that comparing by value loses no digits; trailing garbage is not JSON. */
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private JsonDiff() {
    }

    /** The document in {@code body} (UTF-8), or {@code null} when it is not one JSON document (or is empty). */
    static JsonNode parse(byte[] body) {
        try {
            JsonNode root = MAPPER.readTree(body);
            return root == null || root.isMissingNode() ? null : root;
        } catch (IOException notJson) {
            return null;
        }
    }

    /**
     * The first difference in stable's document order, such as {@code $.total: 10 vs 12}, or {@code null} when the
     * documents agree. Fields only the canary has come after all of stable's fields; an element or field one side
     * lacks is {@code absent}. Values are compact JSON, each cut to {@link AnswerComparison#MAX_SHOWN} characters.
     */
    static String firstDifference(JsonNode stable, JsonNode canary) {
        return firstDifference("$", stable, canary);
    }

    private static String firstDifference(String path, JsonNode ours, JsonNode theirs) {
        if (ours.isObject() && theirs.isObject()) {
            return objectDifference(path, ours, theirs);
        }
        if (ours.isArray() && theirs.isArray()) {
            return arrayDifference(path, ours, theirs);
        }
        boolean same = ours.isNumber() && theirs.isNumber()
                ? ours.decimalValue().compareTo(theirs.decimalValue()) == 0
                : ours.equals(theirs);
        return same ? null : detail(path, ours, theirs);
    }

    private static String objectDifference(String path, JsonNode ours, JsonNode theirs) {
        for (Map.Entry<String, JsonNode> field : ours.properties()) {
            String difference = firstDifference(path + JsonPath.fieldStep(field.getKey()), field.getValue(),
                    theirs.path(field.getKey()));
            if (difference != null) {
                return difference;
            }
        }
        for (Map.Entry<String, JsonNode> field : theirs.properties()) {
            if (!ours.has(field.getKey())) {
                return detail(path + JsonPath.fieldStep(field.getKey()), ours.path(field.getKey()), field.getValue());
            }
        }
        return null;
    }

    private static String arrayDifference(String path, JsonNode ours, JsonNode theirs) {
        int longer = Math.max(ours.size(), theirs.size());
        for (int i = 0; i < longer; i++) {
            String difference = firstDifference(path + "[" + i + "]", ours.path(i), theirs.path(i));
            if (difference != null) {
                return difference;
            }
        }
        return null;
    }

    private static String detail(String path, JsonNode ours, JsonNode theirs) {
        String shownPath = path.length() <= AnswerComparison.MAX_SHOWN
                ? path
                : "…" + path.substring(path.length() - AnswerComparison.MAX_SHOWN + 1);
        return shownPath + ": " + value(ours) + " vs " + value(theirs);
    }

    private static String value(JsonNode node) {
        return node.isMissingNode() ? "absent" : AnswerComparison.shorten(node.toString());
    }
}
