package io.canarybalancer.balancer.discovery;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One healthy instance of a discovery service, as a source reports it: the balancer's own type, so
 * nothing downstream sees Consul's JSON or the replica file's layout.
 *
 * @param id     unique within the service
 * @param weight share within a rotation, at least 1
 */
public record ServiceInstance(String id, String address, int port, List<String> tags, int weight) {

    public ServiceInstance {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(address, "address");
        tags = List.copyOf(tags);
        if (weight < 1) {
            throw new IllegalArgumentException("weight must be at least 1");
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
