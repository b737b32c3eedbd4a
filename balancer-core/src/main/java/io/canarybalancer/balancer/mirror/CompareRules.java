package io.canarybalancer.balancer.mirror;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What of the two answers to a mirrored request must agree.
 *
 * @param status          the status codes (and so their classes)
 * @param headers         these header fields, by lower-case name: absent on both sides agrees
 * @param body            how the bodies are compared
 * @param ignoreJsonPaths fields left out when bodies are compared as JSON (timestamps, replica ids)
 */
public record CompareRules(boolean status, List<String> headers, BodyMode body, List<JsonPath> ignoreJsonPaths) {

    /** Status and body, the body as JSON when both answers are JSON: what a mirror compares unless told. */
    public static final CompareRules DEFAULT = new CompareRules(true, List.of(), BodyMode.AUTO, List.of());

    public CompareRules {
        Objects.requireNonNull(body, "body");
        headers = headers.stream().map(name -> name.toLowerCase(Locale.ROOT)).toList();
        ignoreJsonPaths = List.copyOf(ignoreJsonPaths);
    }

    /** How two bodies are compared. */
    public enum BodyMode {
        /** Not at all. */
        NONE,
        /** As JSON when both answers declare a JSON content type, else byte for byte. */
        AUTO,
        /** Byte for byte. */
        EXACT,
        /** As JSON: field order and white space do not count; a body that is not JSON differs unless both are equal bytes. */
        JSON;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
