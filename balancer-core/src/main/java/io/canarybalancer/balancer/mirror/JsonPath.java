package io.canarybalancer.balancer.mirror;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * A field of a JSON body to leave out of a comparison, such as {@code $.timestamp},
 * {@code $.meta.replica} or {@code $.items[*].id}.
 *
 * <p>The grammar: {@code $} followed by one or more steps, each of them
 * <ul>
 *   <li>{@code .name}: the field {@code name} (letters, digits, {@code _} and {@code -});</li>
 *   <li>{@code ['any name']} or {@code ["any name"]}: a field named by any characters but the quote;</li>
 *   <li>{@code .*}: every field of an object;</li>
 *   <li>{@code [*]}: every element of an array;</li>
 *   <li>{@code [3]}: the element at that index of an array.</li>
 * </ul>
 * {@code $} alone names the whole body, which cannot be left out of it (compare no body instead).
 */
public final class JsonPath {
    private final String text;
    private final List<Step> steps;

    private JsonPath(String text, List<Step> steps) {
        this.text = text;
        this.steps = List.copyOf(steps);
    }

    /** The path {@code text} names; {@link IllegalArgumentException} saying where and why when it is not one. */
    public static JsonPath parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("a JSON path starts with '$', such as $.timestamp, got an empty one");
        }
        return new JsonPath(text, new Parser(text).steps());
    }

    /**
     * Removes from {@code root}, in place, every field or array element this path matches; a path that matches
     * nothing (a missing field, an index past the end, a field step on an array) removes nothing.
     */
    public void removeFrom(JsonNode root) {
        List<JsonNode> parents = List.of(root);
        for (Step step : steps.subList(0, steps.size() - 1)) {
            List<JsonNode> children = new ArrayList<>();
            parents.forEach(parent -> step.collect(parent, children));
            parents = children;
        }
        Step last = steps.get(steps.size() - 1);
        parents.forEach(last::remove);
    }

    /** The step naming {@code field} of an object, as written in a path: {@code .name} or {@code ['a name']}. */
    static String fieldStep(String field) {
        if (!field.isEmpty() && field.chars().allMatch(JsonPath::plainNameChar)) {
            return "." + field;
        }
        char quote = field.indexOf('\'') < 0 ? '\'' : '"';
        return "[" + quote + field + quote + "]";
    }

    /** Whether {@code c} may be part of a field name written after a dot. */
    private static boolean plainNameChar(int c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-';
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof JsonPath path && steps.equals(path.steps);
    }

    @Override
    public int hashCode() {
        return steps.hashCode();
    }

    /** The text this path was parsed from. */
    @Override
    public String toString() {
        return text;
    }

    /** One step of a path: what it matches below a node, and how it removes that from the node. */
    private sealed interface Step {
        void collect(JsonNode node, List<JsonNode> into);

        void remove(JsonNode node);
    }

    /** One field of an object, by name. */
    private record Field(String name) implements Step {
        public void collect(JsonNode node, List<JsonNode> into) {
            if (node instanceof ObjectNode object && object.has(name)) {
                into.add(object.get(name));
            }
        }

        public void remove(JsonNode node) {
            if (node instanceof ObjectNode object) {
                object.remove(name);
            }
        }
    }

    /** Every field of an object ({@code .*}) or every element of an array ({@code [*]}). */
    private record All(Class<? extends ContainerNode<?>> container) implements Step {
        public void collect(JsonNode node, List<JsonNode> into) {
            if (container.isInstance(node)) {
                node.elements().forEachRemaining(into::add);
            }
        }

        public void remove(JsonNode node) {
            if (container.isInstance(node)) {
                container.cast(node).removeAll();
            }
        }
    }

    /** One element of an array, by index. */
    private record Index(int index) implements Step {
        public void collect(JsonNode node, List<JsonNode> into) {
            if (node instanceof ArrayNode array && index < array.size()) {
                into.add(array.get(index));
            }
        }

        public void remove(JsonNode node) {
            if (node instanceof ArrayNode array && index < array.size()) {
                array.remove(index);
            }
        }
    }

    /** Reads a path's text left to right; positions in its messages count characters from 1. */
    private static final class Parser {
        private final String text;
        private int at;

        Parser(String text) {
            this.text = text;
        }

        List<Step> steps() {
            expect('$', "'$' (a JSON path starts with it, such as $.timestamp)");
            List<Step> steps = new ArrayList<>();
            while (at < text.length()) {
                char c = text.charAt(at++);
                if (c == '.') {
                    steps.add(dotStep());
                } else if (c == '[') {
                    steps.add(bracketStep());
                } else {
                    at--;
                    throw error("'.' or '['");
                }
            }
            if (steps.isEmpty()) {
                throw new IllegalArgumentException("JSON path '" + text + "' names the whole body, which cannot be "
                        + "ignored; name a field such as $.timestamp (or compare no body)");
            }
            return steps;
        }

        private Step dotStep() {
            if (at < text.length() && text.charAt(at) == '*') {
                at++;
                return new All(ObjectNode.class);
            }
            int start = at;
            while (at < text.length() && plainNameChar(text.charAt(at))) {
                at++;
            }
            if (at == start) {
                throw error("a field name (letters, digits, '_', '-') or '*' after '.'");
            }
            return new Field(text.substring(start, at));
        }

        private Step bracketStep() {
            char c = at < text.length() ? text.charAt(at) : 0;
            Step step;
            if (c == '*') {
                at++;
                step = new All(ArrayNode.class);
            } else if (c == '\'' || c == '"') {
                int close = text.indexOf(c, at + 1);
                if (close < 0) {
                    at = text.length();
                    throw error("the closing " + c + " of the field name");
                }
                step = new Field(text.substring(at + 1, close));
                at = close + 1;
            } else if (c >= '0' && c <= '9') {
                step = new Index(index());
            } else {
                throw error("'*', a quoted field name or an array index after '['");
            }
            expect(']', "']'");
            return step;
        }

        private int index() {
            int start = at;
            while (at < text.length() && Character.isDigit(text.charAt(at))) {
                at++;
            }
            try {
                return Integer.parseInt(text.substring(start, at));
            } catch (NumberFormatException tooLarge) {
                at = start;
                throw error("an array index of at most " + Integer.MAX_VALUE);
            }
        }

        private void expect(char c, String what) {
            if (at >= text.length() || text.charAt(at) != c) {
                throw error(what);
            }
            at++;
        }

        private IllegalArgumentException error(String expected) {
            String got = at < text.length() ? "'" + text.charAt(at) + "'" : "the end";
            return new IllegalArgumentException("JSON path '" + text + "': expected " + expected + " at position "
                    + (at + 1) + ", got " + got);
        }
    }
}
