package io.canarybalancer.balancer.discovery;

import io.canarybalancer.balancer.route.Route;
import io.canarybalancer.balancer.route.RoutingTable;
import io.canarybalancer.balancer.route.RoutingTableHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.Consumer;

/**
 * Rebuilds the routing table from the configured routes and each new catalog, and publishes it.
 * The only writer of the {@link RoutingTableHolder}.
 */
public final class TableUpdater implements Consumer<Catalog> {
    private static final Logger log = LoggerFactory.getLogger(TableUpdater.class);

    private final RoutingTableHolder holder;
    private final List<RouteSpec> specs;

    public TableUpdater(RoutingTableHolder holder, List<RouteSpec> specs) {
        this.holder = holder;
        this.specs = List.copyOf(specs);
    }

    @Override
    public synchronized void accept(Catalog catalog) {
        RoutingTable table = TableBuilder.build(specs, catalog);
        holder.set(table);
        for (Route route : table.routes()) {
            log.info("Routing table updated: {}", route);
        }
    }
}
