package io.canarybalancer.balancer.discovery;

import io.canarybalancer.balancer.route.Replica;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One healthy instance of a discovery service, as a source reports it: the balancer's own type, so
 * nothing downstream sees Consul's JSON or the replica file's layout. Only an instance the balancer
 * can route to can be made: sources turn the constructor's {@link IllegalArgumentException} into a
 * {@link SkippedInstance} (Consul) or an error naming the entry (replica file).
 *
 * @param id      unique within the service
 * @param address an IP literal or a host name
 * @param port    1 to 65535
 * @param weight  share within a rotation, 1 to {@link Replica#MAX_WEIGHT}
 */
public record ServiceInstance(String id, String address, int port, List<String> tags, int weight) {

    public ServiceInstance {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(address, "address");
        tags = List.copyOf(tags);
        String addressProblem = AddressSyntax.problem(address);
        if (addressProblem != null) {
            throw new IllegalArgumentException(addressProblem);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be between 1 and 65535, got " + port);
        }
        if (weight < 1 || weight > Replica.MAX_WEIGHT) {
            throw new IllegalArgumentException("weight must be between 1 and " + Replica.MAX_WEIGHT + ", got " + weight);
        }
    }

    /** Whether it carries {@code tag}, compared case-insensitively as Consul does; {@code null} matches all. */
    public boolean hasTag(String tag) {
        if (tag == null) {
            return true;
        }
        String wanted = tag.toLowerCase(Locale.ROOT);
        for (String own : tags) {
            if (own.toLowerCase(Locale.ROOT).equals(wanted)) {
                return true;
            }
        }
        return false;
    }
}
