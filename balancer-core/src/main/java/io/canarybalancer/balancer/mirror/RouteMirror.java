package io.canarybalancer.balancer.mirror;

import io.canarybalancer.balancer.metrics.Outcomes;
import io.canarybalancer.balancer.route.CanarySplit;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * One route's mirror at run time: which requests are copied, how many copies wait for the canary,
 * and what the compared pairs showed. Outlives routing-table rebuilds (discovery answers), so the
 * share stays exact across them. Safe to use from any thread; the proxy's part
 * ({@link #wants}, {@link #reserve}) is a few atomic operations.
 */
public final class RouteMirror {
    /** Differing pairs kept for {@code /status} and the dashboard. */
    static final int RECENT = 10;

    private final String route;
    private final MirrorSettings settings;
    private final CanarySplit share;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final LongAdder sent = new LongAdder();
    private final Counters counters;
    private final Outcomes stableOutcomes = new Outcomes();
    private final Outcomes canaryOutcomes = new Outcomes();
    private final LongAdder pairs = new LongAdder();
    private final LongAdder differing = new LongAdder();
    private final ArrayDeque<RecentDifference> recent = new ArrayDeque<>(RECENT);
    private volatile String lastDifference;

    RouteMirror(String route, MirrorSettings settings, Counters counters) {
        this.route = route;
        this.settings = settings;
        this.share = new CanarySplit(settings.percent());
        this.counters = counters;
    }

    public String route() {
        return route;
    }

    public MirrorSettings settings() {
        return settings;
    }

    /**
     * Whether to copy a request with this method and body length ({@code -1}: chunked, not known
     * yet) that stable serves. Only eligible requests take a turn of the share, so it is exact
     * among them.
     */
    public boolean wants(String method, long bodyLength) {
        return settings.methods().contains(method) && bodyLength <= settings.maxBodyBytes() && share.toCanary();
    }

    /**
     * A place for one more copy waiting for the canary; {@code false} (counted as dropped) when
     * {@code maxInFlight} copies are waiting already.
     */
    public boolean reserve() {
        if (inFlight.incrementAndGet() > settings.maxInFlight()) {
            inFlight.decrementAndGet();
            counters.dropped.inc();
            return false;
        }
        return true;
    }

    /** A copy reserved a place and went to the canary. */
    public void sent() {
        sent.increment();
    }

    /** A copy that {@link #reserve reserved} a place is answered, failed or given up: the place is free. */
    public void release() {
        inFlight.decrementAndGet();
    }

    /** A copy that was not sent after all: its chunked body turned out longer than {@code maxBodyBytes}. */
    public void tooLarge() {
        counters.tooLarge.inc();
    }

    /** A copy whose pair cannot be compared: the client left, or stable gave no answer of its own. */
    public void unpaired() {
        counters.unpaired.inc();
    }

    /** A pair dropped because the comparison could not keep up. */
    void dropped() {
        counters.dropped.inc();
    }

    /** Records a compared pair; called by the comparison thread. */
    void compared(MirroredPair pair, List<Difference> differences, Instant at) {
        stableOutcomes.record(pair.stable().error(), pair.stable().nanos());
        canaryOutcomes.record(pair.canary().error(), pair.canary().nanos());
        if (differences.isEmpty()) {
            counters.agreed.inc();
            pairs.increment();
            return;
        }
        counters.differed.inc();
        for (Difference difference : differences) {
            counters.byKind[difference.kind().ordinal()].inc();
        }
        RecentDifference entry = RecentDifference.of(pair, differences.get(0), at);
        synchronized (recent) {
            if (recent.size() == RECENT) {
                recent.removeLast();
            }
            recent.addFirst(entry);
        }
        lastDifference = differences.get(0).toString();
        // Counted last: a reader that sees the pair sees its difference too.
        differing.increment();
        pairs.increment();
    }

    /** The cumulative paired outcomes now, for canary analysis (a window is a difference of two). */
    public Snapshot snapshot() {
        long differingNow = differing.sum();
        long pairsNow = pairs.sum();
        return new Snapshot(stableOutcomes.snapshot(), canaryOutcomes.snapshot(), Math.max(pairsNow, differingNow),
                differingNow, lastDifference);
    }

    /** The counts so far, for {@code /status}. */
    public Counts counts() {
        long[] byKind = new long[Difference.Kind.values().length];
        for (int i = 0; i < byKind.length; i++) {
            byKind[i] = counters.byKind[i].getLongValue();
        }
        return new Counts(sent.sum(), inFlight.get(), counters.dropped.getLongValue(),
                counters.tooLarge.getLongValue(), counters.unpaired.getLongValue(), counters.agreed.getLongValue(),
                counters.differed.getLongValue(), byKind);
    }

    /** The latest differing pairs, newest first. */
    public List<RecentDifference> recent() {
        synchronized (recent) {
            return List.copyOf(recent);
        }
    }

    /**
     * The pairs compared so far.
     *
     * @param stable         stable's answers to the copied requests (5xx or none as errors), with latency
     * @param canary         the canary's answers to the copies
     * @param pairs          pairs compared
     * @param differing      of them, pairs that differed
     * @param lastDifference the first difference of the latest differing pair, or {@code null}
     */
    public record Snapshot(Outcomes.Snapshot stable, Outcomes.Snapshot canary, long pairs, long differing,
                           String lastDifference) {
        public static final Snapshot EMPTY = new Snapshot(Outcomes.Snapshot.EMPTY, Outcomes.Snapshot.EMPTY, 0, 0,
                null);

        /** What happened between {@code earlier} and this snapshot. */
        public Snapshot minus(Snapshot earlier) {
            return new Snapshot(stable.minus(earlier.stable), canary.minus(earlier.canary), pairs - earlier.pairs,
                    differing - earlier.differing, differing > earlier.differing ? lastDifference : null);
        }

        /** The share of pairs that differed, 0 when there were none. */
        public double diffRate() {
            return pairs == 0 ? 0 : (double) differing / pairs;
        }
    }

    /**
     * The mirror's counters.
     *
     * @param sent      copies sent to the canary
     * @param inFlight  copies waiting for the canary's answer now
     * @param dropped   copies not sent (or not compared) because the canary had {@code maxInFlight} waiting
     * @param tooLarge  copies given up because a chunked body outgrew {@code maxBodyBytes}
     * @param unpaired  copies whose stable half went missing (the client left)
     * @param byKind    differences per {@link Difference.Kind}, by ordinal (a pair may differ in several ways)
     */
    public record Counts(long sent, long inFlight, long dropped, long tooLarge, long unpaired, long agreed,
                         long differed, long[] byKind) {
    }

    /** The Prometheus data points of one route, looked up once. */
    record Counters(CounterDataPoint agreed, CounterDataPoint differed, CounterDataPoint dropped,
                    CounterDataPoint tooLarge, CounterDataPoint unpaired, CounterDataPoint[] byKind) {
    }
}
