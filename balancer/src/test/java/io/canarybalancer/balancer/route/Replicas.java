package io.canarybalancer.balancer.route;

import java.util.ArrayList;
import java.util.List;

/** Builds replica lists for routing tests. */
final class Replicas {

    private Replicas() {
    }

    static List<Replica> of(PoolRole role, int... weights) {
        List<Replica> replicas = new ArrayList<>();
        int base = role == PoolRole.STABLE ? 9001 : 9101;
        for (int i = 0; i < weights.length; i++) {
            replicas.add(new Replica(role.label() + "-" + (i + 1), "127.0.0.1", base + i, weights[i], role));
        }
        return replicas;
    }

    static Pool pool(PoolRole role, int... weights) {
        return new Pool(role, role == PoolRole.STABLE ? "service-v1" : "service-v2", null, of(role, weights));
    }

    static Route route(RoutePolicy policy, int stableReplicas, int canaryReplicas) {
        return route("/", policy, stableReplicas, canaryReplicas);
    }

    static Route route(String prefix, RoutePolicy policy, int stableReplicas, int canaryReplicas) {
        return new Route(prefix, prefix, policy, pool(PoolRole.STABLE, ones(stableReplicas)),
                pool(PoolRole.CANARY, ones(canaryReplicas)));
    }

    static int[] ones(int count) {
        int[] weights = new int[count];
        java.util.Arrays.fill(weights, 1);
        return weights;
    }

    static RoutePolicy policy(Strategy strategy, int weight) {
        return new RoutePolicy(strategy, weight, HeaderRule.DEFAULT, Fallback.STABLE);
    }
}
