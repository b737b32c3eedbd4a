package io.canarybalancer.balancer.proxy;

import io.canarybalancer.balancer.route.Ejections;
import io.canarybalancer.balancer.route.Replica;
import io.canarybalancer.balancer.route.RoutingTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Passive health: what the proxy learns about replicas from the requests it sends them. A replica
 * that refuses a connection, resets it or does not answer in time is ejected, that is skipped by
 * new picks, for a period that doubles with each consecutive failure ({@code base}, 2×base, ...,
 * up to {@code max}); the first success brings it back at once. An ejection ends by itself: the
 * next request after it expires is a probe.
 *
 * <p>Shared by all event loops: one lock-free map, read on every pick (a miss is the common case).
 */
public final class PassiveHealth implements Ejections {
    private static final Logger log = LoggerFactory.getLogger(PassiveHealth.class);

    private final long baseNanos;
    private final long maxNanos;
    private final LongSupplier clock;
    private final Map<InetSocketAddress, Failures> failing = new ConcurrentHashMap<>();

    public PassiveHealth(Duration base, Duration max, LongSupplier nanoClock) {
        this.baseNanos = base.toNanos();
        this.maxNanos = max.toNanos();
        this.clock = nanoClock;
    }

    /** Whether new requests should avoid this replica now. */
    public boolean isEjected(Replica replica) {
        Failures failures = failing.get(replica.address());
        return failures != null && clock.getAsLong() - failures.until < 0;
    }

    /** The replica failed a request in a way that says it is unwell (refused, reset, timed out). */
    public void failed(Replica replica, String reason) {
        long now = clock.getAsLong();
        Failures next = failing.compute(replica.address(), (address, previous) -> {
            int count = previous == null ? 1 : previous.count + 1;
            long period = Math.min(maxNanos, baseNanos << Math.min(count - 1, 30));
            return new Failures(count, now + period, reason);
        });
        log.warn("Replica {} ({}:{}) ejected for {} ms after {} consecutive failure(s): {}", replica.id(),
                replica.host(), replica.port(), (next.until - now) / 1_000_000, next.count, reason);
    }

    /** The replica answered: whatever it failed before is forgiven. */
    public void succeeded(Replica replica) {
        if (!failing.isEmpty() && failing.remove(replica.address()) != null) {
            log.info("Replica {} ({}:{}) answers again; back in rotation", replica.id(), replica.host(), replica.port());
        }
    }

    /**
     * Forgets the failures of every address no replica of {@code table} has any more, so replicas
     * that left discovery do not stay in {@code /status} (or in this map) for good. Called after each
     * table change by the thread that published it.
     */
    public void retainAddressesOf(RoutingTable table) {
        if (failing.isEmpty()) {
            return;
        }
        failing.keySet().retainAll(table.addresses());
    }

    /** Replicas with recent failures: address → consecutive failures, remaining ejection and last reason. */
    public Map<String, Ejection> ejections() {
        long now = clock.getAsLong();
        Map<String, Ejection> view = new LinkedHashMap<>();
        failing.forEach((address, failures) -> view.put(address.getHostString() + ":" + address.getPort(),
                new Ejection(failures.count, Math.max(0, (failures.until - now) / 1_000_000), failures.reason)));
        return view;
    }

    /** What {@link #ejections()} shows of one replica. */
    public record Ejection(int consecutiveFailures, long ejectedForMillis, String lastFailure) {
    }

    private record Failures(int count, long until, String reason) {
    }
}
