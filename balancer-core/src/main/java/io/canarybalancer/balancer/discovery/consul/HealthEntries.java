package io.canarybalancer.balancer.discovery.consul;

import io.canarybalancer.balancer.discovery.ServiceInstance;
import io.canarybalancer.balancer.discovery.SkippedInstance;
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
 *
 * <p>An instance the balancer cannot route to (port 0 or above 65535, an address that does not
 * parse, a weight of 0 or above {@link io.canarybalancer.balancer.route.Replica#MAX_WEIGHT}; the
 * catalog API lets all of these through) is skipped with the reason, and the others are used: one
 * bad registration must not hold back every change of its service.
 */
public final class HealthEntries {
    private static final String PASSING = "passing";
    private static final String WARNING = "warning";

    private HealthEntries() {
    }

    /**
     * The instances to route to, sorted, and those skipped as unusable.
     *
     * @param instances healthy, usable instances sorted by ID
     * @param skipped   healthy instances the balancer cannot use, sorted by ID
     */
    public record Instances(List<ServiceInstance> instances, List<SkippedInstance> skipped) {
        public Instances {
            instances = List.copyOf(instances);
            skipped = List.copyOf(skipped);
        }
    }

    public static Instances instances(List<ServiceHealth> entries) {
        List<ServiceInstance> instances = new ArrayList<>(entries.size());
        List<SkippedInstance> skipped = new ArrayList<>();
        for (ServiceHealth entry : entries) {
            Integer weight = weight(entry);
            if (weight == null) {
                continue;
            }
            String address = entry.getService().getAddress();
            if (address == null || address.isBlank()) {
                address = entry.getNode().getAddress();
            }
            try {
                instances.add(new ServiceInstance(entry.getService().getId(), address, entry.getService().getPort(),
                        entry.getService().getTags(), weight));
            } catch (IllegalArgumentException | NullPointerException e) {
                skipped.add(new SkippedInstance(String.valueOf(entry.getService().getId()), String.valueOf(e.getMessage())));
            }
        }
        instances.sort(Comparator.comparing(ServiceInstance::id).thenComparing(ServiceInstance::address));
        skipped.sort(Comparator.comparing(SkippedInstance::id));
        return new Instances(instances, skipped);
    }

    /**
     * The weight the instance gets in a rotation as Consul gives it (checked by {@link ServiceInstance}),
     * or {@code null} when its health says it must receive nothing.
     */
    static Integer weight(ServiceHealth entry) {
        boolean warning = false;
        for (HealthCheck check : entry.getChecks()) {
            String status = check.getStatus();
            if (WARNING.equalsIgnoreCase(status)) {
                warning = true;
            } else if (!PASSING.equalsIgnoreCase(status)) {
                return null; // critical, or a status we don't know: not safe to send traffic
            }
        }
        ServiceWeights weights = entry.getService().getWeights().orElse(null);
        if (weights == null) {
            return 1;
        }
        if (warning) {
            return weights.getWarning() == 0 ? null : weights.getWarning(); // Warning 0: out while warning
        }
        return weights.getPassing();
    }
}
