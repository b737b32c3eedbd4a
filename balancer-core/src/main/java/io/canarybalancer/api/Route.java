package io.canarybalancer.api;

import io.canarybalancer.balancer.config.spec.PoolRef;
import io.canarybalancer.balancer.config.spec.RouteSpec;
import io.canarybalancer.balancer.route.Fallback;
import io.canarybalancer.balancer.route.HeaderRule;
import io.canarybalancer.balancer.route.RoutePolicy;

import java.util.Objects;

/**
 * One route: the requests under a path prefix, split between a stable and a canary pool of
 * replicas. Build one with {@link #builder(String)}; routes read from a YAML file keep everything
 * the file says (canary analysis, mirroring, TLS to the backends...). Immutable.
 */
public final class Route {
    private static final String TOKEN = "[A-Za-z0-9!#$%&'*+.^_`|~-]+";

    private final RouteSpec spec;

    Route(RouteSpec spec) {
        this.spec = spec;
    }

    /** A route for the requests whose path starts with {@code pathPrefix} ({@code /} for all of them). */
    public static Builder builder(String pathPrefix) {
        return new Builder(pathPrefix);
    }

    /** Its name, unique among a balancer's routes (the path prefix unless named). */
    public String name() {
        return spec.name();
    }

    /** The prefix of the paths it takes: {@code /orders} takes {@code /orders} and {@code /orders/...}. */
    public String pathPrefix() {
        return spec.pathPrefix();
    }

    /** How it splits un-flagged requests as configured (a rollout may have changed it since, see {@link RouteStatus}). */
    public Strategy strategy() {
        return Strategies.of(spec.policy().strategy(), spec.policy().canaryWeight());
    }

    /** The name of the header that sends a request to the canary. */
    public String header() {
        return spec.policy().header().name();
    }

    RouteSpec spec() {
        return spec;
    }

    @Override
    public String toString() {
        return "route " + name() + " (" + pathPrefix() + ", " + strategy() + ")";
    }

    /** Builds a {@link Route}; every setting but the path prefix has the configuration file's default. */
    public static final class Builder {
        private final String pathPrefix;
        private String name;
        private PoolRef stable = new PoolRef("service-v1", null);
        private PoolRef canary = new PoolRef("service-v2", null);
        private Strategy strategy = Strategy.replicas();
        private HeaderRule header = HeaderRule.DEFAULT;

        private Builder(String pathPrefix) {
            Objects.requireNonNull(pathPrefix, "pathPrefix");
            if (!pathPrefix.startsWith("/")) {
                throw new IllegalArgumentException("a path prefix starts with '/', got '" + pathPrefix + "'");
            }
            this.pathPrefix = pathPrefix;
        }

        /** Its name (default: the path prefix). */
        public Builder name(String routeName) {
            this.name = Objects.requireNonNull(routeName, "name");
            return this;
        }

        /** The stable pool: every replica of {@code service} (default {@code service-v1}). */
        public Builder stable(String service) {
            return stable(service, null);
        }

        /** The stable pool: the replicas of {@code service} that carry {@code tag}. */
        public Builder stable(String service, String tag) {
            this.stable = new PoolRef(Objects.requireNonNull(service, "service"), tag);
            return this;
        }

        /** The canary pool: every replica of {@code service} (default {@code service-v2}). */
        public Builder canary(String service) {
            return canary(service, null);
        }

        /** The canary pool: the replicas of {@code service} that carry {@code tag}. */
        public Builder canary(String service, String tag) {
            this.canary = new PoolRef(Objects.requireNonNull(service, "service"), tag);
            return this;
        }

        /** How un-flagged requests are split (default {@link Strategy#replicas()}). */
        public Builder strategy(Strategy split) {
            this.strategy = Objects.requireNonNull(split, "strategy");
            return this;
        }

        /** Requests carrying this header, with any value, go to the canary (default {@code X-Canary}). */
        public Builder header(String headerName) {
            return header(headerName, null);
        }

        /** Requests carrying this header with this value go to the canary. */
        public Builder header(String headerName, String value) {
            if (headerName == null || !headerName.matches(TOKEN)) {
                throw new IllegalArgumentException("not a header name: '" + headerName + "'");
            }
            this.header = new HeaderRule(headerName, value);
            return this;
        }

        /** The route, with the configuration file's defaults for what was not set. */
        public Route build() {
            RoutePolicy policy = new RoutePolicy(Strategies.internal(strategy), strategy.weight(), header,
                    Fallback.STABLE);
            return new Route(new RouteSpec(name == null ? pathPrefix : name, pathPrefix, stable, canary, policy));
        }
    }
}
