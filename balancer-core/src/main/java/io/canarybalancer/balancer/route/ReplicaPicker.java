package io.canarybalancer.balancer.route;


/**
 * Which replica serves a request, first try or retry, over HTTP/1.1 or HTTP/2 alike: the route's
 * selection, with the retry and ejection policy on top (as fabio's picker sits beside its lookup).
 */
public final class ReplicaPicker {
    /** The order in which a retry or a skip looks at the pools: the first pick's own pool first. */
    private static final PoolRole[] STABLE_FIRST = {PoolRole.STABLE, PoolRole.CANARY};
    private static final PoolRole[] CANARY_FIRST = {PoolRole.CANARY, PoolRole.STABLE};

    private ReplicaPicker() {
    }

    /**
     * The replica for {@code request}: the route's choice, unless {@code health} ejected it or it is among the {@code count} first of {@code tried}; then the next of the
     * same pool's rotation, so the split between the pools is not drawn again (which would shift
     * it), and only when that pool has nobody else, the other pool's, if {@code allowed} (the
     * route's answer for this request, {@code flagged} or not) lets it go there. When only ejected
     * replicas are left, one of them anyway: it may have recovered, and an answer beats a refusal.
     * {@code null} when the allowed pools have nothing to offer.
     */
    public static Replica pick(RoutingTableHolder routes, Ejections health, Route route, AllowedPools allowed,
                               RouteRequest request, boolean flagged, Replica[] tried, int count) {
        if (count > 0) {
            // A retry goes by the table of now: the canary may have been halted or rolled back since
            // the first try, which narrows where the request may go; it never widens it.
            Route current = routes.get().route(route.name());
            if (current != null) {
                route = current;
                allowed = allowed.and(current.allowedPools(request, flagged));
            }
        }
        Replica first = count == 0 ? route.select(request, flagged) : tried[0];
        if (first == null) {
            return null;
        }
        if (count == 0 && !health.isEjected(first)) {
            return first;
        }
        Replica ejected = count == 0 ? first : null;
        for (PoolRole role : first.role() == PoolRole.STABLE ? STABLE_FIRST : CANARY_FIRST) {
            if (!allowed.allows(role)) {
                continue;
            }
            int size = route.pool(role).replicas().size();
            for (int i = 0; i < size; i++) {
                Replica candidate = route.selectIn(role);
                if (candidate == null) {
                    break; // a halted canary
                }
                if (contains(tried, count, candidate)) {
                    continue;
                }
                if (!health.isEjected(candidate)) {
                    return candidate;
                }
                if (ejected == null) {
                    ejected = candidate;
                }
            }
            if (ejected != null) {
                return ejected;
            }
        }
        return null;
    }


    /**
     * The canary replica a mirrored copy goes to: the next of the canary's rotation that is not
     * ejected; {@code null} when the canary has none (no replica, or halted by canary analysis).
     */
    public static Replica pickForMirror(Ejections health, Route route) {
        int size = route.canary().replicas().size();
        for (int i = 0; i < size; i++) {
            Replica candidate = route.selectIn(PoolRole.CANARY);
            if (candidate == null || !health.isEjected(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static boolean contains(Replica[] replicas, int count, Replica replica) {
        for (int i = 0; i < count; i++) {
            if (replicas[i].address().equals(replica.address())) {
                return true;
            }
        }
        return false;
    }
}
