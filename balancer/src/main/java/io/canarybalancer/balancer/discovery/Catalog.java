package io.canarybalancer.balancer.discovery;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a replica source currently knows: the healthy instances of each service name.
 * Immutable; a source publishes a new catalog on every change.
 */
public record Catalog(Map<String, List<ServiceInstance>> services) {

    public static final Catalog EMPTY = new Catalog(Map.of());

    public Catalog {
        Map<String, List<ServiceInstance>> copy = new LinkedHashMap<>();
        services.forEach((name, instances) -> copy.put(name, List.copyOf(instances)));
        services = Collections.unmodifiableMap(copy);
    }

    /** The instances of {@code service}, empty when it is unknown. */
    public List<ServiceInstance> instances(String service) {
        return services.getOrDefault(service, List.of());
    }
}
