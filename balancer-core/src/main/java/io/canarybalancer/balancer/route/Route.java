package io.canarybalancer.balancer.route;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One routing rule with its current replicas: requests whose path falls under {@link #pathPrefix()}
 * are split between the stable and the canary pool according to the {@link RoutePolicy}.
 * Immutable apart from its rotations' counters; a new discovery answer builds a new route.
 */
public final class Route {
    private final String name;
    private final String pathPrefix;
    private final RoutePolicy policy;
    /** How connections to this route's replicas are encrypted, or {@code null}: plain HTTP. */
    private final Upstream upstream;
    private final Pool stable;
    private final Pool canary;
    private final Rotation stableRotation;
    private final Rotation canaryRotation;
    /** Under {@code replicas}: the one rotation over both pools that un-flagged requests take; else {@code null}. */
    private final Rotation bothRotation;
    /** Otherwise: which side an un-flagged request without a sticky key goes to. */
    private final CanarySplit split;
    private final int canaryBuckets;
    /** What {@link #allowedPools} answers for flagged, keyed (by their side) and other requests. */
    private final AllowedPools flaggedPools;
    private final AllowedPools keyedCanaryPools;
    private final AllowedPools keyedStablePools;
    private final AllowedPools unkeyedPools;

    /**
     * @param pathPrefix starts with {@code /}; {@code /credit} matches {@code /credit},
     *                   {@code /credit/...} and {@code /credit?...} but not {@code /credits};
     *                   a prefix ending in {@code /} matches everything below it
     * @param upstream   how the balancer talks to the replicas; {@code null}: {@link Upstream#PLAIN}
     */
    public Route(String name, String pathPrefix, RoutePolicy policy, Upstream upstream, Pool stable, Pool canary) {
        this.upstream = upstream == null ? Upstream.PLAIN : upstream;
        this.name = Objects.requireNonNull(name, "name");
        this.pathPrefix = Objects.requireNonNull(pathPrefix, "pathPrefix");
        if (!pathPrefix.startsWith("/")) {
            throw new IllegalArgumentException("path prefix must start with '/': " + pathPrefix);
        }
        this.policy = Objects.requireNonNull(policy, "policy");
        if (stable.role() != PoolRole.STABLE || canary.role() != PoolRole.CANARY) {
            throw new IllegalArgumentException("pools passed in the wrong order");
        }
        this.stable = stable;
        this.canary = canary;
        this.stableRotation = Rotation.of(stable.replicas());
        // A halted canary is out of every path: split, header, sticky buckets, retries.
        this.canaryRotation = policy.canaryHalted() ? Rotation.NONE : Rotation.of(canary.replicas());
        this.bothRotation = policy.strategy() != Strategy.REPLICAS ? null
                : policy.canaryHalted() ? stableRotation : Rotation.of(concat(stable, canary));
        // Under header the canary gets no share of un-flagged requests.
        this.split = new CanarySplit(policy.strategy() == Strategy.WEIGHT ? policy.canaryWeight() : 0);
        this.canaryBuckets = canaryBuckets(policy, stable, canary);
        boolean stableUsable = !stable.isEmpty();
        boolean canaryUsable = !canary.isEmpty() && !policy.canaryHalted();
        boolean fallback = policy.fallback() == Fallback.STABLE;
        this.flaggedPools = AllowedPools.of(fallback, !policy.canaryHalted());
        this.keyedCanaryPools = oneSide(canaryUsable, PoolRole.CANARY, stableUsable);
        this.keyedStablePools = oneSide(stableUsable, PoolRole.STABLE, canaryUsable);
        boolean stableShare = switch (policy.strategy()) {
            case REPLICAS, HEADER -> true;
            case WEIGHT -> policy.canaryWeight() < 100;
        };
        boolean canaryShare = switch (policy.strategy()) {
            case REPLICAS -> true;
            case HEADER -> false;
            case WEIGHT -> policy.canaryWeight() > 0;
        };
        boolean toStable = stableShare && stableUsable;
        boolean toCanary = canaryShare && canaryUsable;
        // A pool with a share but no replica hands its share to the other, as select does.
        this.unkeyedPools = toStable || toCanary ? AllowedPools.of(toStable, toCanary)
                : AllowedPools.of(stableUsable, canaryUsable);
    }

    /** A route whose backends speak plain HTTP. */
    public Route(String name, String pathPrefix, RoutePolicy policy, Pool stable, Pool canary) {
        this(name, pathPrefix, policy, null, stable, canary);
    }

    /** A keyed user's side when it can serve, else the other side (a pool empty in discovery), else none. */
    private static AllowedPools oneSide(boolean sideUsable, PoolRole side, boolean otherUsable) {
        boolean toStable = side == PoolRole.STABLE ? sideUsable : !sideUsable && otherUsable;
        boolean toCanary = side == PoolRole.CANARY ? sideUsable : !sideUsable && otherUsable;
        return AllowedPools.of(toStable, toCanary);
    }

    /**
     * How many of the {@link StickyRule#BUCKETS} buckets go to the canary: its share of un-flagged
     * traffic under the strategy (the replica share, none, or the weight), as a whole number of buckets.
     */
    private static int canaryBuckets(RoutePolicy policy, Pool stable, Pool canary) {
        if (policy.canaryHalted()) {
            return 0;
        }
        return switch (policy.strategy()) {
            case REPLICAS -> {
                long total = stable.totalWeight() + canary.totalWeight();
                yield total == 0 ? 0 : (int) (StickyRule.BUCKETS * canary.totalWeight() / total);
            }
            case HEADER -> 0;
            case WEIGHT -> policy.canaryWeight() * (StickyRule.BUCKETS / 100);
        };
    }

    private static List<Replica> concat(Pool stable, Pool canary) {
        List<Replica> all = new ArrayList<>(stable.replicas().size() + canary.replicas().size());
        all.addAll(stable.replicas());
        all.addAll(canary.replicas());
        return all;
    }

    /** The replica for this request, or {@code null} when none may serve it (answer 503). */
    public Replica select(RouteRequest request) {
        return select(request, policy.header().matches(request));
    }

    /**
     * {@link #select(RouteRequest)} for a caller that already knows whether the request carries the
     * route's header ({@link RoutePolicy#header()}): the proxy matches it once per request.
     *
     * <p>A flagged request goes to the canary; under {@code fallback: stable} one the canary cannot
     * serve goes on like the others. A request with a sticky key goes to its bucket's side, any
     * other to the strategy's split: the rotation over both pools under {@code replicas}, else a
     * side (the canary never under {@code header}, its percentage under {@code weight}). A side
     * without replicas hands its requests to the other. No step dispatches on the kind of route:
     * each is a branch on this route's fields and a call to a final class, so routes of every kind
     * (strategies, sticky, halted) share one compiled pick without a megamorphic call.
     */
    public Replica select(RouteRequest request, boolean flagged) {
        if (flagged) {
            Replica chosen = canaryRotation.next();
            if (chosen != null || policy.fallback() == Fallback.REJECT) {
                return chosen;
            }
        }
        StickyRule sticky = policy.sticky();
        if (sticky != null) {
            CharSequence key = sticky.key(request);
            if (key != null) {
                return eitherSide(StickyRule.bucket(name, key) < canaryBuckets);
            }
        }
        return bothRotation != null ? bothRotation.next() : eitherSide(split.toCanary());
    }

    private Replica eitherSide(boolean toCanary) {
        Replica chosen = (toCanary ? canaryRotation : stableRotation).next();
        // An empty side hands its share to the other one rather than failing requests.
        return chosen != null ? chosen : (toCanary ? stableRotation : canaryRotation).next();
    }

    /**
     * The pools this request may ever be sent to, by the same rules as {@link #select}: a flagged
     * request the canary (and stable under {@code fallback: stable}); a keyed request its sticky
     * side; any other request the pools with a share of un-flagged traffic under the strategy and
     * weight (stable only under {@code header} or weight 0, the canary only at weight 100). A pool
     * left without replicas by discovery hands its requests to the other, as {@link #select} does;
     * a replica failing or ejected at run time does not: retries stay inside these pools.
     */
    public AllowedPools allowedPools(RouteRequest request) {
        return allowedPools(request, policy.header().matches(request));
    }

    /** {@link #allowedPools(RouteRequest)} for a caller that already knows whether the request is flagged. */
    public AllowedPools allowedPools(RouteRequest request, boolean flagged) {
        if (flagged) {
            return flaggedPools;
        }
        if (policy.sticky() != null) {
            CharSequence key = policy.sticky().key(request);
            if (key != null) {
                return StickyRule.bucket(name, key) < canaryBuckets ? keyedCanaryPools : keyedStablePools;
            }
        }
        return unkeyedPools;
    }

    /**
     * The next replica of one pool's own rotation, or {@code null} if the pool is empty or is a
     * halted canary: for trying
     * another replica of the side a request was already assigned to (a retry, or skipping an
     * ejected replica), without drawing again from the split between the pools, which would shift it.
     */
    public Replica selectIn(PoolRole role) {
        return (role == PoolRole.STABLE ? stableRotation : canaryRotation).next();
    }

    /**
     * Why a pool of this route has no known replicas yet (discovery has not answered for its
     * service: Consul not reachable yet, say), or {@code null} when both pools are known. A request
     * this route cannot serve is then answered with this reason rather than "no healthy replica".
     */
    public String waiting() {
        return stable.waiting() != null ? stable.waiting() : canary.waiting();
    }

    /** Of the {@link StickyRule#BUCKETS} sticky buckets, how many go to the canary (when sticky). */
    public int canaryBuckets() {
        return canaryBuckets;
    }

    public String name() {
        return name;
    }

    public String pathPrefix() {
        return pathPrefix;
    }

    public RoutePolicy policy() {
        return policy;
    }

    /** How the balancer talks to this route's replicas. */
    public Upstream upstream() {
        return upstream;
    }

    /** How connections to this route's replicas are encrypted, or {@code null}: plain HTTP. */
    public BackendTls backendTls() {
        return upstream.tls();
    }

    public Pool stable() {
        return stable;
    }

    public Pool canary() {
        return canary;
    }

    /** The pool of the given role. */
    public Pool pool(PoolRole role) {
        return role == PoolRole.STABLE ? stable : canary;
    }

    @Override
    public String toString() {
        return "route " + name + " (" + pathPrefix + ", " + policy.strategy().label() + ", stable "
                + stable.replicas().size() + ", canary " + canary.replicas().size() + ")";
    }
}
