package io.canarybalancer.balancer.rollout;

import io.canarybalancer.balancer.config.spec.RouteSpec;
import io.canarybalancer.balancer.discovery.Catalog;
import io.canarybalancer.balancer.discovery.TableBuilder;
import io.canarybalancer.balancer.route.Route;
import io.canarybalancer.balancer.route.RoutingTable;
import io.canarybalancer.balancer.route.RoutingTableHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rebuilds the routing table from the configured routes, the latest catalog and the rollout state,
 * whenever either changes, and publishes it. The only writer of the {@link RoutingTableHolder}.
 *
 * <p>Routes exist from the configuration, whatever discovery says: the first table is published on
 * construction, with every pool waiting for discovery's first answer, so a request that arrives
 * before it (Consul not up yet) gets a 503 naming the route and the reason, never a 404.
 */
public final class TableUpdater {
    private static final Logger log = LoggerFactory.getLogger(TableUpdater.class);
    private static final String NO_ANSWER_YET = "waiting for the first answer from discovery";

    private final RoutingTableHolder holder;
    private final List<RouteSpec> configured;
    private Catalog catalog;
    private Map<String, RolloutState> rollout = Map.of();

    /** Publishes the configured routes at once, their pools waiting for discovery. */
    public TableUpdater(RoutingTableHolder holder, List<RouteSpec> configured) {
        this.holder = holder;
        this.configured = List.copyOf(configured);
        Set<String> services = new LinkedHashSet<>();
        for (RouteSpec spec : this.configured) {
            services.add(spec.stable().service());
            services.add(spec.canary().service());
        }
        this.catalog = Catalog.waiting(services, NO_ANSWER_YET);
        synchronized (this) {
            rebuild();
        }
    }

    /** New replicas from discovery. */
    public synchronized void catalogChanged(Catalog newCatalog) {
        catalog = newCatalog;
        rebuild();
    }

    /** New rollout state, from this instance or another. */
    public synchronized void rolloutChanged(Map<String, RolloutState> states) {
        if (!states.equals(rollout)) {
            rollout = Map.copyOf(states);
            rebuild();
        }
    }

    /** The configured routes with the rollout state applied. */
    public synchronized List<RouteSpec> effectiveRoutes() {
        List<RouteSpec> routes = new ArrayList<>(configured.size());
        for (RouteSpec spec : configured) {
            RolloutState state = rollout.get(spec.name());
            routes.add(state == null ? spec : spec.withPolicy(state.applyTo(spec.policy())));
        }
        return routes;
    }

    /** A route's rollout state: stored, or as configured. */
    public synchronized RolloutState rolloutState(RouteSpec spec) {
        return rollout.getOrDefault(spec.name(), RolloutState.of(spec.policy()));
    }

    public List<RouteSpec> configuredRoutes() {
        return configured;
    }

    private void rebuild() {
        RoutingTable previous = holder.get();
        RoutingTable table = TableBuilder.build(effectiveRoutes(), catalog, previous);
        holder.set(table);
        for (Route route : table.routes()) {
            if (previous.route(route.name()) != route) {
                log.info("Routing table updated: {}", route);
            }
        }
    }
}
