package io.canarybalancer.balancer.rollout;

import io.canarybalancer.balancer.config.spec.RouteSpec;
import io.canarybalancer.balancer.rollout.RolloutStore.RolloutException;

import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Operator changes to a route's rollout, as the admin API makes them: validated against the
 * configured routes, written to the {@link RolloutStore}, applied by the {@link TableUpdater}.
 */
public final class RolloutControl {
    private final TableUpdater updater;
    private final RolloutStore store;

    public RolloutControl(TableUpdater updater, RolloutStore store) {
        this.updater = updater;
        this.store = store;
    }

    /** The configured route of that name. */
    public Optional<RouteSpec> route(String name) {
        return updater.configuredRoutes().stream().filter(spec -> spec.name().equals(name)).findFirst();
    }

    /** The configured routes. */
    public List<RouteSpec> routes() {
        return updater.configuredRoutes();
    }

    public List<String> routeNames() {
        return updater.configuredRoutes().stream().map(RouteSpec::name).toList();
    }

    /** The route's rollout state now. */
    public RolloutState state(RouteSpec route) {
        return updater.rolloutState(route);
    }

    /** Applies {@code change} to the named route's rollout; blocks on the store (not for event loops). */
    public RolloutState change(RouteSpec route, UnaryOperator<RolloutState> change) throws RolloutException {
        return store.update(route.name(), updater.rolloutState(route), change);
    }

    /** Whether the state is shared through Consul (and survives a restart) or kept in this balancer. */
    public boolean shared() {
        return store.shared();
    }
}
