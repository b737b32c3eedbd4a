package io.canarybalancer.api;

/** Between the public {@link Strategy} and the routing's own. */
final class Strategies {
    private Strategies() {
    }

    static io.canarybalancer.balancer.route.Strategy internal(Strategy strategy) {
        return io.canarybalancer.balancer.route.Strategy.parse(strategy.name());
    }

    static Strategy of(io.canarybalancer.balancer.route.Strategy strategy, int weight) {
        return switch (strategy) {
            case REPLICAS -> Strategy.replicas();
            case HEADER -> Strategy.header();
            case WEIGHT -> Strategy.weight(weight);
        };
    }
}
