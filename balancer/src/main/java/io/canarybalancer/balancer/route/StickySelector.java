package io.canarybalancer.balancer.route;

/**
 * Sends keyed requests by their {@link StickyRule#bucket bucket}: buckets below {@code canaryBuckets}
 * to the canary, the rest to stable (either side serves everything when the other is empty).
 * Requests without a key go to the route's strategy.
 */
final class StickySelector implements ReplicaSelector {
    private final StickyRule rule;
    private final String route;
    private final int canaryBuckets;
    private final ReplicaSelector stable;
    private final ReplicaSelector canary;
    private final ReplicaSelector unkeyed;

    StickySelector(StickyRule rule, String route, int canaryBuckets, ReplicaSelector stable,
                   ReplicaSelector canary, ReplicaSelector unkeyed) {
        this.rule = rule;
        this.route = route;
        this.canaryBuckets = canaryBuckets;
        this.stable = stable;
        this.canary = canary;
        this.unkeyed = unkeyed;
    }

    @Override
    public Replica select(RouteRequest request) {
        CharSequence key = rule.key(request);
        if (key == null) {
            return unkeyed.select(request);
        }
        boolean toCanary = StickyRule.bucket(route, key) < canaryBuckets;
        Replica chosen = (toCanary ? canary : stable).select(request);
        return chosen != null ? chosen : (toCanary ? stable : canary).select(request);
    }
}
