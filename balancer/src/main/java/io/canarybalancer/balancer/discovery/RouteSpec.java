package io.canarybalancer.balancer.discovery;

import io.canarybalancer.balancer.route.RoutePolicy;

import java.util.Objects;

/** A configured route before discovery fills in its replicas. */
public record RouteSpec(String name, String pathPrefix, PoolRef stable, PoolRef canary, RoutePolicy policy) {

    public RouteSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(pathPrefix, "pathPrefix");
        Objects.requireNonNull(stable, "stable");
        Objects.requireNonNull(canary, "canary");
        Objects.requireNonNull(policy, "policy");
    }

    public RouteSpec withPolicy(RoutePolicy newPolicy) {
        return new RouteSpec(name, pathPrefix, stable, canary, newPolicy);
    }
}
