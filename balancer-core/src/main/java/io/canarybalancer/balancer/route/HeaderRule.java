package io.canarybalancer.balancer.route;

import java.util.Objects;

/**
 * Which requests are flagged for the canary.
 *
 * @param name  the header name, matched case-insensitively
 * @param value the value it must carry (ignoring ASCII case), or {@code null} for any value
 */
public record HeaderRule(String name, String value) {

    /** The header of the exercise's successor: {@code X-Canary}, any value. */
    public static final HeaderRule DEFAULT = new HeaderRule("X-Canary", null);

    public HeaderRule {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("header name must not be blank");
        }
    }

    public boolean matches(RouteRequest request) {
        return value == null ? request.hasHeader(name) : request.hasHeader(name, value);
    }
}
