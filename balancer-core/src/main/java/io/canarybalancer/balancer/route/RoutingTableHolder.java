package io.canarybalancer.balancer.route;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The one place the live routing table is published. Only discovery writes it; requests read it
 * once each. Never holds {@code null}.
 */
public final class RoutingTableHolder {
    private final AtomicReference<RoutingTable> current = new AtomicReference<>(RoutingTable.empty());
    private final List<Consumer<RoutingTable>> listeners = new CopyOnWriteArrayList<>();

    /** The live table; never {@code null}. */
    public RoutingTable get() {
        return current.get();
    }

    /** Publishes a new table, then tells the listeners; a {@code null} is ignored so readers never see one. */
    public void set(RoutingTable table) {
        if (table != null) {
            current.set(table);
            for (Consumer<RoutingTable> listener : listeners) {
                listener.accept(table);
            }
        }
    }

    /** Calls {@code listener} with every table published from now on, on the publishing thread. */
    public void onChange(Consumer<RoutingTable> listener) {
        listeners.add(listener);
    }
}
