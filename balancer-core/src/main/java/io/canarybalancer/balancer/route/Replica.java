package io.canarybalancer.balancer.route;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One backend instance a request can be sent to. Immutable; the socket address is resolved once,
 * when the routing table is built on the discovery thread, never on an event loop.
 */
public final class Replica {
    /**
     * The largest weight a replica can have: Consul's own bound for {@code Weights}. Capping each
     * weight keeps every sum of weights far from overflow, and they are computed in {@code long} anyway.
     */
    public static final int MAX_WEIGHT = 65_535;

    private final String id;
    private final String host;
    private final int port;
    private final int weight;
    private final PoolRole role;
    private final InetSocketAddress address;

    /**
     * @param id     a stable identifier (the Consul service ID, or {@code host:port})
     * @param weight relative share within a rotation, 1 to {@link #MAX_WEIGHT}
     */
    public Replica(String id, String host, int port, int weight, PoolRole role) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (weight < 1 || weight > MAX_WEIGHT) {
            throw new IllegalArgumentException("weight must be between 1 and " + MAX_WEIGHT + ", got " + weight);
        }
        this.id = Objects.requireNonNull(id, "id");
        this.host = Objects.requireNonNull(host, "host");
        this.port = port;
        this.weight = weight;
        this.role = Objects.requireNonNull(role, "role");
        this.address = new InetSocketAddress(host, port);
    }

    public String id() {
        return id;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public int weight() {
        return weight;
    }

    public PoolRole role() {
        return role;
    }

    /** The address to connect to; also the key of pooled backend connections. */
    public InetSocketAddress address() {
        return address;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Replica other
                && port == other.port
                && weight == other.weight
                && role == other.role
                && id.equals(other.id)
                && host.equals(other.host);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, host, port, weight, role);
    }

    @Override
    public String toString() {
        return role.label() + " " + id + " (" + host + ':' + port + ", weight " + weight + ')';
    }
}
