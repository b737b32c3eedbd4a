package io.canarybalancer.consuldouble.catalog;

import java.util.Set;

/** The three check states Consul knows; anything else is rejected like the agent does. */
public final class CheckStatus {

    public static final String PASSING = "passing";
    public static final String WARNING = "warning";
    public static final String CRITICAL = "critical";

    private static final Set<String> VALID = Set.of(PASSING, WARNING, CRITICAL);

    private CheckStatus() {
    }

    public static boolean isValid(String status) {
        return VALID.contains(status);
    }

    public static String requireValid(String status) {
        if (!isValid(status)) {
            throw new IllegalArgumentException("check status must be passing, warning or critical, not " + status);
        }
        return status;
    }
}
