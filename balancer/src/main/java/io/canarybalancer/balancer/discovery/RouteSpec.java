package io.canarybalancer.balancer.discovery;

import io.canarybalancer.balancer.analysis.AnalysisSettings;
import io.canarybalancer.balancer.route.RoutePolicy;

import java.util.Objects;

/**
 * A configured route before discovery fills in its replicas.
 *
 * @param analysis automated canary analysis, or {@code null} for none
 */
public record RouteSpec(String name, String pathPrefix, PoolRef stable, PoolRef canary, RoutePolicy policy,
                        AnalysisSettings analysis) {

    public RouteSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(pathPrefix, "pathPrefix");
        Objects.requireNonNull(stable, "stable");
        Objects.requireNonNull(canary, "canary");
        Objects.requireNonNull(policy, "policy");
    }

    /** A route without canary analysis. */
    public RouteSpec(String name, String pathPrefix, PoolRef stable, PoolRef canary, RoutePolicy policy) {
        this(name, pathPrefix, stable, canary, policy, null);
    }

    public RouteSpec withPolicy(RoutePolicy newPolicy) {
        return new RouteSpec(name, pathPrefix, stable, canary, newPolicy, analysis);
    }
}
