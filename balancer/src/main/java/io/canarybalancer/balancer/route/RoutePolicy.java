package io.canarybalancer.balancer.route;

import java.util.Objects;

/**
 * The rollout settings of one route: the part an operator changes while a canary is live.
 *
 * @param canaryWeight the canary's percentage of un-flagged requests under {@link Strategy#WEIGHT}, 0 to 100
 */
public record RoutePolicy(Strategy strategy, int canaryWeight, HeaderRule header, Fallback fallback) {

    public RoutePolicy {
        Objects.requireNonNull(strategy, "strategy");
        Objects.requireNonNull(header, "header");
        Objects.requireNonNull(fallback, "fallback");
        if (canaryWeight < 0 || canaryWeight > 100) {
            throw new IllegalArgumentException("canary weight must be between 0 and 100: " + canaryWeight);
        }
    }

    /** Replica-weighted rotation, {@code X-Canary} header, fallback to stable. */
    public static RoutePolicy defaults() {
        return new RoutePolicy(Strategy.REPLICAS, 0, HeaderRule.DEFAULT, Fallback.STABLE);
    }
}
