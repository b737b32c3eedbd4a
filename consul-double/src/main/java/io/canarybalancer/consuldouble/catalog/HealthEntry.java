package io.canarybalancer.consuldouble.catalog;

import java.util.List;

/**
 * One element of a {@code /v1/health/service/:name} answer: the instance, its node, and the node-level
 * checks plus the instance's own checks (never other services' checks on the same node).
 */
public record HealthEntry(NodeEntry node, RegisteredService service, List<RegisteredCheck> checks) {

    public boolean allPassing() {
        return checks.stream().allMatch(c -> c.status().equals(CheckStatus.PASSING));
    }
}
