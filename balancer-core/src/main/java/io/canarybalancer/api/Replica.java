package io.canarybalancer.api;

import java.util.List;
import java.util.Objects;

/**
 * One replica of a service, as a program reports it through {@link Discovery#inMemory()} or its
 * own {@link ReplicaSource}.
 *
 * @param id     unique within its service
 * @param host   an IP address or a host name
 * @param port   1 to 65535
 * @param tags   the tags a route's pool may select on
 * @param weight its share of its pool's rotation, from 1 to 65,535
 */
public record Replica(String id, String host, int port, List<String> tags, int weight) {

    /**
     * A replica; the tags are copied.
     *
     * @throws IllegalArgumentException for a port outside 1 to 65535 or a weight outside 1 to 65,535
     */
    public Replica {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(host, "host");
        tags = List.copyOf(tags);
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be from 1 to 65535, got " + port);
        }
        if (weight < 1 || weight > io.canarybalancer.balancer.route.Replica.MAX_WEIGHT) {
            throw new IllegalArgumentException("weight must be from 1 to "
                    + io.canarybalancer.balancer.route.Replica.MAX_WEIGHT + ", got " + weight);
        }
    }

    /** A replica at {@code host:port}, named so, without tags, of weight 1. */
    public static Replica of(String host, int port) {
        return new Replica(host + ":" + port, host, port, List.of(), 1);
    }

    /** This replica carrying these tags. */
    public Replica withTags(String... newTags) {
        return new Replica(id, host, port, List.of(newTags), weight);
    }

    /** This replica with this weight. */
    public Replica withWeight(int newWeight) {
        return new Replica(id, host, port, tags, newWeight);
    }
}
