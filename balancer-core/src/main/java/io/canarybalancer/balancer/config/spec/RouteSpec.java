package io.canarybalancer.balancer.config.spec;

import io.canarybalancer.balancer.mirror.MirrorSettings;
import io.canarybalancer.balancer.route.BackendTls;
import io.canarybalancer.balancer.route.RoutePolicy;
import io.canarybalancer.balancer.route.Upstream;

import java.util.Objects;

/**
 * A configured route before discovery fills in its replicas.
 *
 * @param analysis   automated canary analysis, or {@code null} for none
 * @param upstream   how the balancer talks to the route's replicas ({@code null}: {@link Upstream#PLAIN})
 * @param mirror     the share of requests copied to the canary and compared, or {@code null} for none
 */
public record RouteSpec(String name, String pathPrefix, PoolRef stable, PoolRef canary, RoutePolicy policy,
                        AnalysisSettings analysis, Upstream upstream, MirrorSettings mirror) {

    public RouteSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(pathPrefix, "pathPrefix");
        Objects.requireNonNull(stable, "stable");
        Objects.requireNonNull(canary, "canary");
        Objects.requireNonNull(policy, "policy");
        if (upstream == null) {
            upstream = Upstream.PLAIN;
        }
    }

    /** A route without a mirror. */
    public RouteSpec(String name, String pathPrefix, PoolRef stable, PoolRef canary, RoutePolicy policy,
                     AnalysisSettings analysis, Upstream upstream) {
        this(name, pathPrefix, stable, canary, policy, analysis, upstream, null);
    }

    /** A route to plain-HTTP backends. */
    public RouteSpec(String name, String pathPrefix, PoolRef stable, PoolRef canary, RoutePolicy policy,
                     AnalysisSettings analysis) {
        this(name, pathPrefix, stable, canary, policy, analysis, null, null);
    }

    /** A route to plain-HTTP backends without canary analysis. */
    public RouteSpec(String name, String pathPrefix, PoolRef stable, PoolRef canary, RoutePolicy policy) {
        this(name, pathPrefix, stable, canary, policy, null, null, null);
    }

    public RouteSpec withPolicy(RoutePolicy newPolicy) {
        return new RouteSpec(name, pathPrefix, stable, canary, newPolicy, analysis, upstream, mirror);
    }

    /** How connections to the route's replicas are encrypted, or {@code null} for plain HTTP. */
    public BackendTls backendTls() {
        return upstream.tls();
    }
}
