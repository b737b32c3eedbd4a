package io.canarybalancer.balancer.mirror;

/**
 * A field of a JSON body to leave out of a comparison, such as {@code $.timestamp},
 * {@code $.meta.replica} or {@code $.items[*].id}. To be written in full by the comparison's
 * implementation.
 */
public final class JsonPath {
    private final String text;

    private JsonPath(String text) {
        this.text = text;
    }

    /** The path {@code text} names; {@link IllegalArgumentException} with the reason when it is not one. */
    public static JsonPath parse(String text) {
        if (text == null || !text.startsWith("$")) {
            throw new IllegalArgumentException("a JSON path starts with '$', such as $.timestamp, got '" + text + "'");
        }
        return new JsonPath(text);
    }

    @Override
    public String toString() {
        return text;
    }
}
