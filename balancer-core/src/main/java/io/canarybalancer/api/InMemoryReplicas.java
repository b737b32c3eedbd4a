package io.canarybalancer.api;

import io.canarybalancer.balancer.config.BalancerConfig;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Replicas the embedding program sets itself, and changes at any time: a test suite puts a real
 * balancer in front of its own servers and moves them between the pools. Each change reaches the
 * balancer's routing before the call returns. Thread-safe.
 */
public final class InMemoryReplicas extends Discovery {
    private final Map<String, List<Replica>> services = new LinkedHashMap<>();
    private static final Logger log = LoggerFactory.getLogger(InMemoryReplicas.class);

    /** One per balancer using these replicas; changed and called under this object's lock only. */
    private final List<Consumer<Map<String, List<Replica>>>> listeners = new ArrayList<>();

    InMemoryReplicas() {
    }

    /**
     * Makes {@code replicas} the whole of {@code service}'s replicas (none: the service has no replica).
     *
     * @throws IllegalArgumentException when a replica cannot be routed to (a malformed host name, say)
     */
    public InMemoryReplicas set(String service, Replica... replicas) {
        return set(service, List.of(replicas));
    }

    /** As {@link #set(String, Replica...)}. */
    public synchronized InMemoryReplicas set(String service, List<Replica> replicas) {
        replicas.forEach(ProgramReplicas::instance); // refused here, to the caller, rather than skipped later
        services.put(service, List.copyOf(replicas));
        Map<String, List<Replica>> now = Map.copyOf(services);
        for (Consumer<Map<String, List<Replica>>> listener : listeners) {
            try {
                listener.accept(now);
            } catch (RuntimeException e) {
                log.error("A balancer could not take the new replicas of {}; the others still get them", service, e);
            }
        }
        return this;
    }

    /** The replicas set so far, by service. */
    public synchronized Map<String, List<Replica>> replicas() {
        return Map.copyOf(services);
    }

    @Override
    BalancerConfig.Discovery toConfig() {
        // A registration of its own for each balancer started: closing one leaves the others be.
        return new BalancerConfig.ProgramDiscovery(new ProgramReplicas(new ReplicaSource() {
            private Consumer<Map<String, List<Replica>>> own;

            @Override
            public void start(Consumer<Map<String, List<Replica>>> updates) {
                synchronized (InMemoryReplicas.this) {
                    own = updates;
                    listeners.add(updates);
                    updates.accept(Map.copyOf(services));
                }
            }

            @Override
            public void close() {
                synchronized (InMemoryReplicas.this) {
                    listeners.remove(own);
                }
            }
        }));
    }
}
