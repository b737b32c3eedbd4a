package io.canarybalancer.balancer.route;

/**
 * Routes requests that carry the rule's header to the canary, under every strategy; everything else
 * goes to the strategy's own selector.
 */
final class HeaderSelector implements ReplicaSelector {
    private final HeaderRule rule;
    private final ReplicaSelector canary;
    private final Fallback fallback;
    private final ReplicaSelector unflagged;

    HeaderSelector(HeaderRule rule, ReplicaSelector canary, Fallback fallback, ReplicaSelector unflagged) {
        this.rule = rule;
        this.canary = canary;
        this.fallback = fallback;
        this.unflagged = unflagged;
    }

    @Override
    public Replica select(RouteRequest request) {
        return select(request, rule.matches(request));
    }

    /** {@link #select(RouteRequest)} for a caller that already matched the rule against the request. */
    Replica select(RouteRequest request, boolean flagged) {
        if (!flagged) {
            return unflagged.select(request);
        }
        Replica chosen = canary.select(request);
        if (chosen != null || fallback == Fallback.REJECT) {
            return chosen;
        }
        return unflagged.select(request);
    }
}
