package io.canarybalancer.balancer.rollout;

import io.canarybalancer.balancer.route.RoutePolicy;
import io.canarybalancer.balancer.route.Strategy;

import java.time.Instant;
import java.util.Objects;

/**
 * The part of a route an operator changes during a rollout: how un-flagged traffic is split, and
 * whether the canary is paused or was rolled back by canary analysis. Header rule, sticky rule and
 * fallback stay as configured.
 *
 * @param weight       canary percent for {@link Strategy#WEIGHT}, 0 to 100 (kept, unused, for other strategies)
 * @param paused       the canary gets no un-flagged traffic until resumed; strategy and weight are kept
 * @param autoRollback set when canary analysis rolled the canary back: it then gets no request at
 *                     all until an operator changes the rollout; {@code null} otherwise
 */
public record RolloutState(Strategy strategy, int weight, boolean paused, AutoRollback autoRollback) {

    /** Why and when canary analysis rolled the canary back. */
    public record AutoRollback(String reason, Instant at) {
        public AutoRollback {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(at, "at");
        }
    }

    public RolloutState {
        Objects.requireNonNull(strategy, "strategy");
        if (weight < 0 || weight > 100) {
            throw new IllegalArgumentException("weight must be between 0 and 100, got " + weight);
        }
    }

    /** An operator's state: any operator change clears an automatic rollback. */
    public RolloutState(Strategy strategy, int weight, boolean paused) {
        this(strategy, weight, paused, null);
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

    /** Canary analysis found the canary worse than stable: it takes no request until an operator acts. */
    public RolloutState autoRolledBack(String reason, Instant at) {
        return new RolloutState(Strategy.WEIGHT, 0, false, new AutoRollback(reason, at));
    }

    /** The next step of a schedule: the canary's weight, nothing else changed. */
    public RolloutState withWeight(int newWeight) {
        return new RolloutState(Strategy.WEIGHT, newWeight, paused, autoRollback);
    }

    public RolloutState withPaused(boolean pause) {
        return new RolloutState(strategy, weight, pause);
    }

    /** The policy requests are routed by: the configured one with this state applied. */
    public RoutePolicy applyTo(RoutePolicy configured) {
        if (autoRollback != null) {
            return new RoutePolicy(Strategy.WEIGHT, 0, configured.header(), configured.fallback(),
                    configured.sticky(), true);
        }
        return paused
                ? new RoutePolicy(Strategy.WEIGHT, 0, configured.header(), configured.fallback(), configured.sticky(), false)
                : new RoutePolicy(strategy, weight, configured.header(), configured.fallback(), configured.sticky(), false);
    }
}
