package io.canarybalancer.api;

import io.canarybalancer.balancer.discovery.Catalog;
import io.canarybalancer.balancer.discovery.ServiceInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** A program's {@link ReplicaSource} as the balancer's discovery sees one: each set of replicas becomes a catalog. */
final class ProgramReplicas implements io.canarybalancer.balancer.discovery.ReplicaSource {
    private static final Logger log = LoggerFactory.getLogger(ProgramReplicas.class);

    private final ReplicaSource source;

    ProgramReplicas(ReplicaSource source) {
        this.source = source;
    }

    @Override
    public void start(Consumer<Catalog> listener) {
        source.start(replicas -> listener.accept(catalog(replicas)));
    }

    @Override
    public void close() {
        source.close();
    }

    /** The balancer's own record of a replica; {@link IllegalArgumentException} when it cannot be routed to. */
    static ServiceInstance instance(Replica replica) {
        return new ServiceInstance(replica.id(), replica.host(), replica.port(), replica.tags(), replica.weight());
    }

    /** Replicas the balancer cannot route to are left out, with a warning naming them. */
    private static Catalog catalog(Map<String, List<Replica>> replicas) {
        Map<String, List<ServiceInstance>> services = new LinkedHashMap<>();
        replicas.forEach((service, list) -> {
            List<ServiceInstance> instances = new ArrayList<>();
            for (Replica replica : list) {
                try {
                    instances.add(instance(replica));
                } catch (IllegalArgumentException e) {
                    log.warn("Replica {} of service {} left out: {}", replica.id(), service, e.getMessage());
                }
            }
            services.put(service, instances);
        });
        return new Catalog(services);
    }
}
