package io.canarybalancer.balancer.route;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The one place the live routing table is published. Only discovery writes it; requests read it
 * once each. Never holds {@code null}.
 */
public final class RoutingTableHolder {
    private final AtomicReference<RoutingTable> current = new AtomicReference<>(RoutingTable.empty());

    /** The live table; never {@code null}. */
    public RoutingTable get() {
        return current.get();
    }

    /** Publishes a new table; a {@code null} is ignored so readers never see one. */
    public void set(RoutingTable table) {
        if (table != null) {
            current.set(table);
        }
    }
}
