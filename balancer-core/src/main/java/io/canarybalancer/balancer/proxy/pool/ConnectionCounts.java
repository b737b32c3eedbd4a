package io.canarybalancer.balancer.proxy.pool;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;

/**
 * The HTTP/1.1 connections to each replica over the pools of every event loop: how many are in use
 * now (carrying a request, or connecting for one), how many are open, and how many were opened,
 * reused from a pool, closed by the backend while idle, and refused for want of room. With a cap,
 * no more than that many connections to one replica are in use at once; idle ones never count
 * against it, so an idle connection parked on another loop never keeps a request out.
 *
 * <p>Shared by every loop, lock-free: a connection carries its replica's counters (see
 * {@link PooledConnection}), so taking and giving back a connection looks nothing up; only a
 * {@linkplain #reserve capped reservation} and a new connection find the replica by address.
 */
public final class ConnectionCounts {
    private final int cap;
    private final Map<InetSocketAddress, Replica> byAddress = new ConcurrentHashMap<>();

    /** @param cap connections to one replica in use at once at most; 0 for no cap */
    public ConnectionCounts(int cap) {
        if (cap < 0) {
            throw new IllegalArgumentException("cap must not be negative, got " + cap);
        }
        this.cap = cap;
    }

    /** Connections to one replica in use at once at most, 0 for no cap. */
    public int cap() {
        return cap;
    }

    /** Whether {@code address} has {@link #cap()} connections in use now (never, without a cap). */
    public boolean full(InetSocketAddress address) {
        if (cap == 0) {
            return false;
        }
        Replica replica = byAddress.get(address);
        return replica != null && replica.capped.get() >= cap;
    }

    /**
     * Takes a place for one more connection in use to {@code address}: the replica whose place it
     * is, or {@code null} when it has {@link #cap()} in use (counted as refused).
     */
    Replica reserve(InetSocketAddress address) {
        Replica replica = replica(address);
        if (replica.tryTake()) {
            return replica;
        }
        replica.refused.increment();
        return null;
    }

    /** The counters of {@code address}, made on first use. */
    Replica replica(InetSocketAddress address) {
        Replica replica = byAddress.get(address);
        if (replica == null) {
            Replica made = new Replica(cap);
            replica = byAddress.putIfAbsent(address, made);
            return replica == null ? made : replica;
        }
        return replica;
    }

    /** The counts of {@code address} so far (all zero for one never connected to). */
    public Counts of(InetSocketAddress address) {
        Replica replica = byAddress.get(address);
        return replica == null ? new Counts(0, 0, 0, 0, 0, 0) : replica.counts();
    }

    /** The counts of every replica connected to so far and not yet forgotten (see {@link #retain}). */
    public void forEach(BiConsumer<InetSocketAddress, Counts> action) {
        byAddress.forEach((address, replica) -> action.accept(address, replica.counts()));
    }

    /**
     * Forgets the replicas no longer in {@code addresses} that have no connection open, so replicas
     * that left discovery do not stay here for good. A replica with an open connection stays: the
     * connection carries its counters, which must stay the ones {@link #of} shows.
     */
    public void retain(Set<InetSocketAddress> addresses) {
        byAddress.entrySet().removeIf(entry -> !addresses.contains(entry.getKey())
                && entry.getValue().open.get() == 0 && entry.getValue().inUse() == 0);
    }

    /**
     * One replica's connections, as {@code /status} shows them.
     *
     * @param inUse           in use now: carrying a request (or a tunnel), or connecting for one
     * @param open            open now, in use or idle in a pool
     * @param opened          opened so far
     * @param reused          taken from a pool for another request so far
     * @param closedByBackend closed by the backend while idle in a pool so far
     * @param refused         requests that found the replica at its cap so far
     */
    public record Counts(int inUse, int open, long opened, long reused, long closedByBackend, long refused) {
    }

    /**
     * The live counters of one replica. Connections in use are counted in an {@link AtomicInteger}
     * under a cap, which must be compared and set as one; without one, where only {@code /status}
     * reads the count, in a {@link LongAdder}, so that event loops taking and giving back
     * connections to one replica do not contend for one cache line on every request.
     */
    static final class Replica {
        private final int cap;
        private final AtomicInteger capped = new AtomicInteger();
        private final LongAdder uncapped = new LongAdder();
        final AtomicInteger open = new AtomicInteger();
        final LongAdder opened = new LongAdder();
        final LongAdder reused = new LongAdder();
        final LongAdder closedByBackend = new LongAdder();
        final LongAdder refused = new LongAdder();

        Replica(int cap) {
            this.cap = cap;
        }

        /** One more in use if fewer than the cap are (always, without a cap). */
        boolean tryTake() {
            if (cap == 0) {
                uncapped.increment();
                return true;
            }
            for (int now = capped.get(); now < cap; now = capped.get()) {
                if (capped.compareAndSet(now, now + 1)) {
                    return true;
                }
            }
            return false;
        }

        /** One more in use whatever the cap: for a connection handed out without a reservation. */
        void take() {
            if (cap == 0) {
                uncapped.increment();
            } else {
                capped.incrementAndGet();
            }
        }

        /** A place taken by {@link #tryTake} or {@link #take} is free again. */
        void give() {
            if (cap == 0) {
                uncapped.decrement();
            } else {
                capped.decrementAndGet();
            }
        }

        int inUse() {
            return cap == 0 ? uncapped.intValue() : capped.get();
        }

        Counts counts() {
            return new Counts(inUse(), open.get(), opened.sum(), reused.sum(), closedByBackend.sum(),
                    refused.sum());
        }
    }
}
