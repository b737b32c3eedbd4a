package io.canarybalancer.balancer.discovery.consul;

import io.canarybalancer.balancer.discovery.ServiceInstance;
import org.kiwiproject.consul.model.catalog.ServiceWeights;
import org.kiwiproject.consul.model.health.HealthCheck;
import org.kiwiproject.consul.model.health.ServiceHealth;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Turns Consul's {@code /v1/health/service} entries into the balancer's instances. A pure function.
 *
 * <p>Health follows Consul's DNS interface rather than its {@code ?passing} filter: an instance with
 * any {@code critical} check (its own, a maintenance check, or a node check such as
 * {@code serfHealth}) is left out; one whose worst check is {@code warning} stays, with its
 * {@code Weights.Warning} as weight (0 leaves it out); a fully passing one gets
 * {@code Weights.Passing}. So a replica that answers its health check with 429 keeps a share of
 * traffic if the operator registered it with a warning weight, as Consul DNS would give it.
 *
 * <p>The address is {@code Service.Address}, or {@code Node.Address} when that is empty, as Consul
 * documents. Instances are sorted by ID because Consul's order carries no meaning: the same
 * replicas always make the same rotation, and a reordered answer is recognised as no change.
 */
public final class HealthEntries {
    private static final String PASSING = "passing";
    private static final String WARNING = "warning";

    private HealthEntries() {
    }

    public static List<ServiceInstance> instances(List<ServiceHealth> entries) {
        List<ServiceInstance> instances = new ArrayList<>(entries.size());
        for (ServiceHealth entry : entries) {
            int weight = weight(entry);
            if (weight > 0) {
                String address = entry.getService().getAddress();
                if (address == null || address.isBlank()) {
                    address = entry.getNode().getAddress();
                }
                instances.add(new ServiceInstance(entry.getService().getId(), address, entry.getService().getPort(),
                        entry.getService().getTags(), weight));
            }
        }
        instances.sort(Comparator.comparing(ServiceInstance::id).thenComparing(ServiceInstance::address));
        return instances;
    }

    /** The weight the instance gets in a rotation, or 0 when it must receive nothing. */
    static int weight(ServiceHealth entry) {
        boolean warning = false;
        for (HealthCheck check : entry.getChecks()) {
            String status = check.getStatus();
            if (WARNING.equalsIgnoreCase(status)) {
                warning = true;
            } else if (!PASSING.equalsIgnoreCase(status)) {
                return 0; // critical, or a status we don't know: not safe to send traffic
            }
        }
        ServiceWeights weights = entry.getService().getWeights().orElse(null);
        if (weights == null) {
            return 1;
        }
        return warning ? Math.max(0, weights.getWarning()) : Math.max(1, weights.getPassing());
    }
}
