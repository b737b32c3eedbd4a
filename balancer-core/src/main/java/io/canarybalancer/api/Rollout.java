package io.canarybalancer.api;

import io.canarybalancer.balancer.config.spec.RouteSpec;
import io.canarybalancer.balancer.rollout.RolloutControl;
import io.canarybalancer.balancer.rollout.RolloutState;
import io.canarybalancer.balancer.rollout.RolloutStore.RolloutException;

import java.util.function.UnaryOperator;

/**
 * Changes to one route's rollout, as the admin API and the dashboard make them. Each applies to the
 * routing before it returns (with Consul, once Consul took it; every balancer sharing the rollout
 * applies it) and answers the route's status after it. Any change lifts an automatic rollback.
 */
public final class Rollout {
    private final CanaryBalancer balancer;
    private final RolloutControl control;
    private final RouteSpec route;

    Rollout(CanaryBalancer balancer, RolloutControl control, RouteSpec route) {
        this.balancer = balancer;
        this.control = control;
        this.route = route;
    }

    /** Splits un-flagged requests this way from now on. */
    public RouteStatus strategy(Strategy strategy) throws BalancerException {
        io.canarybalancer.balancer.route.Strategy internal = Strategies.internal(strategy);
        return change(state -> new RolloutState(internal, strategy.weight(), state.paused()));
    }

    /** The canary takes exactly {@code percent}% of un-flagged requests ({@code weight} strategy). */
    public RouteStatus weight(int percent) throws BalancerException {
        return strategy(Strategy.weight(percent));
    }

    /** The canary takes every un-flagged request (weight 100%). */
    public RouteStatus promote() throws BalancerException {
        return change(RolloutState::promoted);
    }

    /** The canary takes no un-flagged request (weight 0%); flagged ones still reach it. */
    public RouteStatus rollBack() throws BalancerException {
        return change(RolloutState::rolledBack);
    }

    /** The canary takes no un-flagged request until {@link #resume()}; strategy and weight are kept. */
    public RouteStatus pause() throws BalancerException {
        return change(state -> state.withPaused(true));
    }

    /** Ends a {@link #pause()}: the canary takes its share again. */
    public RouteStatus resume() throws BalancerException {
        return change(state -> state.withPaused(false));
    }

    /** The route's status now. */
    public RouteStatus status() {
        return balancer.status(route.name());
    }

    private RouteStatus change(UnaryOperator<RolloutState> change) throws BalancerException {
        try {
            control.change(route, change);
        } catch (RolloutException e) {
            throw new BalancerException("route " + route.name() + ": the rollout could not be changed: "
                    + e.getMessage(), e);
        }
        return status();
    }
}
