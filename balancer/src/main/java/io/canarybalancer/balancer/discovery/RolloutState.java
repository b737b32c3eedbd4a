package io.canarybalancer.balancer.discovery;

import io.canarybalancer.balancer.route.RoutePolicy;
import io.canarybalancer.balancer.route.Strategy;

import java.util.Objects;

/**
 * The part of a route an operator changes during a rollout: how un-flagged traffic is split, and
 * whether the canary is paused. Header rule and fallback stay as configured.
 *
 * @param weight canary percent for {@link Strategy#WEIGHT}, 0 to 100 (kept, unused, for other strategies)
 * @param paused the canary gets no un-flagged traffic until resumed; strategy and weight are kept
 */
public record RolloutState(Strategy strategy, int weight, boolean paused) {

    public RolloutState {
        Objects.requireNonNull(strategy, "strategy");
        if (weight < 0 || weight > 100) {
            throw new IllegalArgumentException("weight must be between 0 and 100, got " + weight);
        }
    }

    /** The state a configured policy starts in. */
    public static RolloutState of(RoutePolicy policy) {
        return new RolloutState(policy.strategy(), policy.canaryWeight(), false);
    }

    /** The canary takes all un-flagged traffic. */
    public RolloutState promoted() {
        return new RolloutState(Strategy.WEIGHT, 100, false);
    }

    /** The canary takes no un-flagged traffic. */
    public RolloutState rolledBack() {
        return new RolloutState(Strategy.WEIGHT, 0, false);
    }

    public RolloutState withPaused(boolean pause) {
        return new RolloutState(strategy, weight, pause);
    }

    /** The policy requests are routed by: the configured one with this state applied. */
    public RoutePolicy applyTo(RoutePolicy configured) {
        return paused
                ? new RoutePolicy(Strategy.WEIGHT, 0, configured.header(), configured.fallback())
                : new RoutePolicy(strategy, weight, configured.header(), configured.fallback());
    }
}
