package io.canarybalancer.balancer.discovery;

import java.util.function.Consumer;

/**
 * Where replicas come from: a replica file, Consul, or a fixed list in tests. A source calls its
 * listener with a complete catalog once it has a first answer and again on every change, always from
 * one thread at a time.
 */
public interface ReplicaSource extends AutoCloseable {

    /** Starts watching; the listener gets every new catalog. */
    void start(Consumer<Catalog> listener);

    /** Stops watching and releases the source's threads. */
    @Override
    void close();
}
