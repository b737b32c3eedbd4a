package io.canarybalancer.balancer.discovery;

import io.canarybalancer.balancer.analysis.AnalysisSettings;
import io.canarybalancer.balancer.route.BackendTls;
import io.canarybalancer.balancer.route.RoutePolicy;

import java.util.Objects;

/**
 * A configured route before discovery fills in its replicas.
 *
 * @param analysis   automated canary analysis, or {@code null} for none
 * @param backendTls how connections to the route's replicas are encrypted, or {@code null} for plain HTTP
 */
public record RouteSpec(String name, String pathPrefix, PoolRef stable, PoolRef canary, RoutePolicy policy,
                        AnalysisSettings analysis, BackendTls backendTls) {

    public RouteSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(pathPrefix, "pathPrefix");
        Objects.requireNonNull(stable, "stable");
        Objects.requireNonNull(canary, "canary");
        Objects.requireNonNull(policy, "policy");
    }

    /** A route to plain-HTTP backends. */
    public RouteSpec(String name, String pathPrefix, PoolRef stable, PoolRef canary, RoutePolicy policy,
                     AnalysisSettings analysis) {
        this(name, pathPrefix, stable, canary, policy, analysis, null);
    }

    /** A route to plain-HTTP backends without canary analysis. */
    public RouteSpec(String name, String pathPrefix, PoolRef stable, PoolRef canary, RoutePolicy policy) {
        this(name, pathPrefix, stable, canary, policy, null, null);
    }

    public RouteSpec withPolicy(RoutePolicy newPolicy) {
        return new RouteSpec(name, pathPrefix, stable, canary, newPolicy, analysis, backendTls);
    }
}
