package io.canarybalancer.balancer.route;

import java.util.Locale;

/** What happens to a request flagged for the canary when the canary pool has no healthy replica. */
public enum Fallback {
    /** Serve it from the stable pool. */
    STABLE,
    /** Refuse it with 503. */
    REJECT;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a configuration value; throws {@link IllegalArgumentException} naming the choices. */
    public static Fallback parse(String text) {
        for (Fallback fallback : values()) {
            if (fallback.label().equals(text)) {
                return fallback;
            }
        }
        throw new IllegalArgumentException("unknown fallback '" + text + "' (expected stable or reject)");
    }
}
