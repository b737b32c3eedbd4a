package io.canarybalancer.balancer.discovery;

import java.util.function.Consumer;

/** A fixed catalog, published once on start: for development and tests. */
public final class StaticReplicaSource implements ReplicaSource {
    private final Catalog catalog;

    public StaticReplicaSource(Catalog catalog) {
        this.catalog = catalog;
    }

    @Override
    public void start(Consumer<Catalog> listener) {
        listener.accept(catalog);
    }

    @Override
    public void close() {
    }
}
