package io.canarybalancer.balancer.config.spec;

import java.util.Objects;

/**
 * Which discovered instances form a pool: those of {@code service} that carry {@code tag}.
 *
 * @param tag {@code null} for every instance of the service
 */
public record PoolRef(String service, String tag) {

    public PoolRef {
        Objects.requireNonNull(service, "service");
    }

    @Override
    public String toString() {
        return tag == null ? service : service + " tag " + tag;
    }
}
