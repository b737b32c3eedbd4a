package io.canarybalancer.balancer.route;

/**
 * The pools a route's policy lets one request use: where its first pick may come from, and the
 * only places a retry or a skip past an ejected replica may go. When the allowed pools have nobody
 * left to try, the request fails rather than crossing to a pool its policy keeps it from.
 */
public enum AllowedPools {
    /** No pool may serve it (a flagged request of a halted canary under {@code fallback: reject}). */
    NONE(false, false),
    STABLE(true, false),
    CANARY(false, true),
    /** Either pool; the side the request was first sent to is tried first. */
    BOTH(true, true);

    private final boolean stable;
    private final boolean canary;

    AllowedPools(boolean stable, boolean canary) {
        this.stable = stable;
        this.canary = canary;
    }

    /** Whether a request may be sent to a replica of the pool of {@code role}. */
    public boolean allows(PoolRole role) {
        return role == PoolRole.STABLE ? stable : canary;
    }

    /** The pools both allow: a retry keeps to what the request was allowed and what the route allows now. */
    public AllowedPools and(AllowedPools other) {
        return of(stable && other.stable, canary && other.canary);
    }

    static AllowedPools of(boolean stable, boolean canary) {
        return stable ? (canary ? BOTH : STABLE) : (canary ? CANARY : NONE);
    }
}
