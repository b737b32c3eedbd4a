package io.canarybalancer.balancer.discovery;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a replica source currently knows: the healthy instances of each service name, and for
 * services it has no answer for yet, why not. Immutable; a source publishes a new catalog on every
 * change.
 *
 * @param pending services not known yet, each with the reason (e.g. "waiting for Consul at ...:
 *                connection refused"); a service absent from both maps is known to have no instance
 */
public record Catalog(Map<String, List<ServiceInstance>> services, Map<String, String> pending) {

    public Catalog {
        Map<String, List<ServiceInstance>> copy = new LinkedHashMap<>();
        services.forEach((name, instances) -> copy.put(name, List.copyOf(instances)));
        services = Collections.unmodifiableMap(copy);
        Map<String, String> waiting = new LinkedHashMap<>(pending);
        waiting.keySet().removeAll(services.keySet());
        pending = Collections.unmodifiableMap(waiting);
    }

    /** A catalog whose services are all known. */
    public Catalog(Map<String, List<ServiceInstance>> services) {
        this(services, Map.of());
    }

    /** A catalog that knows none of {@code services} yet, for {@code reason}. */
    public static Catalog waiting(Collection<String> services, String reason) {
        Map<String, String> pending = new LinkedHashMap<>();
        services.forEach(service -> pending.put(service, reason));
        return new Catalog(Map.of(), pending);
    }

    /** The instances of {@code service}, empty when it is unknown. */
    public List<ServiceInstance> instances(String service) {
        return services.getOrDefault(service, List.of());
    }

    /** Why {@code service} is not known yet, or {@code null} when it is. */
    public String pending(String service) {
        return pending.get(service);
    }
}
