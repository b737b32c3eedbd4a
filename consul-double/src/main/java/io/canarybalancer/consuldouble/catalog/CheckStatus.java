package io.canarybalancer.consuldouble;

import java.util.Set;

/** The three check states Consul knows; anything else is rejected like the agent does. */
final class CheckStatus {

    static final String PASSING = "passing";
    static final String WARNING = "warning";
    static final String CRITICAL = "critical";

    private static final Set<String> VALID = Set.of(PASSING, WARNING, CRITICAL);

    private CheckStatus() {
    }

    static boolean isValid(String status) {
        return VALID.contains(status);
    }

    static String requireValid(String status) {
        if (!isValid(status)) {
            throw new IllegalArgumentException("check status must be passing, warning or critical, not " + status);
        }
        return status;
    }
}
