package io.canarybalancer.replica.api;

import java.util.Map;

/**
 * The body of {@code GET /health}.
 *
 * @param status {@code UP} when every health check passes, else {@code DOWN}
 * @param checks each check's name and {@code healthy} or its failure message
 */
public record HealthView(String status, Map<String, String> checks) {

    public HealthView {
        checks = Map.copyOf(checks);
    }
}
