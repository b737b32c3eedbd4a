package io.canarybalancer.balancer.route;

import java.util.Objects;

/**
 * The rollout settings of one route: the part an operator changes while a canary is live.
 *
 * @param canaryWeight the canary's percentage of un-flagged requests under {@link Strategy#WEIGHT}, 0 to 100
 * @param sticky       how users are kept on one side, or {@code null} to route each request afresh
 * @param canaryHalted the canary gets no request at all, flagged or keyed ones included (after an
 *                     automatic rollback)
 */
public record RoutePolicy(Strategy strategy, int canaryWeight, HeaderRule header, Fallback fallback,
                          StickyRule sticky, boolean canaryHalted) {

    public RoutePolicy {
        Objects.requireNonNull(strategy, "strategy");
        Objects.requireNonNull(header, "header");
        Objects.requireNonNull(fallback, "fallback");
        if (canaryWeight < 0 || canaryWeight > 100) {
            throw new IllegalArgumentException("canary weight must be between 0 and 100: " + canaryWeight);
        }
    }

    /** A policy without sticky assignment, canary not halted. */
    public RoutePolicy(Strategy strategy, int canaryWeight, HeaderRule header, Fallback fallback) {
        this(strategy, canaryWeight, header, fallback, null, false);
    }

    /** This policy with users kept on one side by {@code rule}. */
    public RoutePolicy withSticky(StickyRule rule) {
        return new RoutePolicy(strategy, canaryWeight, header, fallback, rule, canaryHalted);
    }

    /** Replica-weighted rotation, {@code X-Canary} header, fallback to stable. */
    public static RoutePolicy defaults() {
        return new RoutePolicy(Strategy.REPLICAS, 0, HeaderRule.DEFAULT, Fallback.STABLE);
    }
}
