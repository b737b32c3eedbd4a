package io.canarybalancer.balancer.discovery;

import java.util.Objects;

/**
 * An instance discovery reported but the balancer cannot route to (port 0 or out of range, an
 * address that does not parse, a weight out of range): left out of its pool, and shown in
 * {@code /status} and the metrics so the operator can fix the registration.
 *
 * @param id     the instance's id as the source gave it
 * @param reason what is wrong with it, e.g. {@code port must be between 1 and 65535, got 0}
 */
public record SkippedInstance(String id, String reason) {

    public SkippedInstance {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(reason, "reason");
    }
}
