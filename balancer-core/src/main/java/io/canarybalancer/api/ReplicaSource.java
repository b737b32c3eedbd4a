package io.canarybalancer.api;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Replicas a program reports itself, for {@link Discovery#of(ReplicaSource)}: the balancer calls
 * {@link #start} once, and the source hands it the whole set of replicas, by service name, first
 * when it knows them and again after every change (from one thread at a time).
 */
public interface ReplicaSource extends AutoCloseable {

    /** Begins reporting: {@code updates} takes every complete set of replicas, service name to replicas. */
    void start(Consumer<Map<String, List<Replica>>> updates);

    /** Stops reporting; the balancer calls it when it closes. Does nothing unless overridden. */
    @Override
    default void close() {
    }
}
