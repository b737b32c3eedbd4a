package io.canarybalancer.balancer.route;

import java.util.List;

/**
 * Picks the replica for one request. Implementations are immutable apart from their rotation
 * counters, safe for concurrent use, and allocate nothing per pick.
 */
public interface ReplicaSelector {

    /** The chosen replica, or {@code null} when the request must be refused (no replica to serve it). */
    Replica select(RouteRequest request);

    /** Always {@code null}: a route with no replica at all. */
    static ReplicaSelector none() {
        return request -> null;
    }

    /**
     * One smooth weighted rotation over the given replicas: each replica gets exactly its weight's
     * share of every full cycle, spread out rather than in bursts.
     */
    static ReplicaSelector weightedRoundRobin(List<Replica> replicas) {
        return replicas.isEmpty() ? none() : new WeightedRoundRobinSelector(replicas);
    }

    /**
     * Exactly {@code canaryPercent} of picks from {@code canary}, the rest from {@code stable}; when
     * one side is empty the other serves everything.
     */
    static ReplicaSelector percentage(int canaryPercent, ReplicaSelector stable, ReplicaSelector canary) {
        return new PercentageSelector(canaryPercent, stable, canary);
    }

    /**
     * Keyed requests by their bucket: below {@code canaryBuckets} to {@code canary}, the rest to
     * {@code stable}; requests without a key to {@code unkeyed}.
     */
    static ReplicaSelector sticky(StickyRule rule, String route, int canaryBuckets, ReplicaSelector stable,
                                  ReplicaSelector canary, ReplicaSelector unkeyed) {
        return new StickySelector(rule, route, canaryBuckets, stable, canary, unkeyed);
    }
}
