package io.canarybalancer.balancer.route;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends exactly {@code percent}% of picks to the canary selector. The cycle is precomputed like a
 * Bresenham line: over {@code 100 / gcd(percent, 100)} picks the canary slots are spread evenly, so
 * 10% means one canary pick in every ten, not ten in a row.
 */
final class PercentageSelector implements ReplicaSelector {
    private final boolean[] canarySlots;
    private final ReplicaSelector stable;
    private final ReplicaSelector canary;
    private final AtomicLong position = new AtomicLong();

    PercentageSelector(int percent, ReplicaSelector stable, ReplicaSelector canary) {
        if (percent < 0 || percent > 100) {
            throw new IllegalArgumentException("percent must be between 0 and 100: " + percent);
        }
        int divisor = WeightedRoundRobinSelector.gcd(percent, 100);
        int length = 100 / divisor;
        int share = percent / divisor;
        this.canarySlots = new boolean[length];
        for (int i = 0; i < length; i++) {
            canarySlots[i] = (i + 1) * share / length > i * share / length;
        }
        this.stable = stable;
        this.canary = canary;
    }

    @Override
    public Replica select(RouteRequest request) {
        boolean toCanary = canarySlots[(int) (position.getAndIncrement() % canarySlots.length)];
        Replica chosen = (toCanary ? canary : stable).select(request);
        // An empty side hands its share to the other one rather than failing requests.
        return chosen != null ? chosen : (toCanary ? stable : canary).select(request);
    }
}
