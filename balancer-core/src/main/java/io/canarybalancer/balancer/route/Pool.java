package io.canarybalancer.balancer.route;

import java.util.List;
import java.util.Objects;

/**
 * The healthy replicas of one side of a route, with the discovery query that found them.
 *
 * @param service the discovery service name, e.g. {@code service-v1}
 * @param tag     the tag the replicas must carry, or {@code null} for any
 * @param waiting why the replicas are not known yet (discovery has not answered for the service),
 *                or {@code null} once they are
 */
public record Pool(PoolRole role, String service, String tag, List<Replica> replicas, String waiting) {

    /** A pool whose replicas are known. */
    public Pool(PoolRole role, String service, String tag, List<Replica> replicas) {
        this(role, service, tag, replicas, null);
    }

    public Pool {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(service, "service");
        replicas = List.copyOf(replicas);
        for (Replica replica : replicas) {
            if (replica.role() != role) {
                throw new IllegalArgumentException(replica + " does not belong to the " + role.label() + " pool");
            }
        }
    }

    public boolean isEmpty() {
        return replicas.isEmpty();
    }

    /** The sum of the replicas' weights, in {@code long} so that no number of replicas can overflow it. */
    public long totalWeight() {
        long total = 0;
        for (Replica replica : replicas) {
            total += replica.weight();
        }
        return total;
    }
}
