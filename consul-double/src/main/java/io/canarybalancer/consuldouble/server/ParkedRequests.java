package io.canarybalancer.consuldouble.server;

import io.canarybalancer.consuldouble.endpoint.Outcome;
import io.canarybalancer.consuldouble.http.Reply;
import io.canarybalancer.consuldouble.state.StateStore;
import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongUnaryOperator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.IntPredicate;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Requests that have been accepted but not answered: blocking queries waiting for their index to move
 * (woken by state commits or by a timer on the channel's event loop, never by a thread per request),
 * and requests hung on purpose by a fault. Also the "is the watcher parked yet?" signal tests wait on.
 */
public final class ParkedRequests implements StateStore.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(ParkedRequests.class);

    private enum Kind { BLOCKING, HANG }

    private final class Parked {
        final Kind kind;
        final Channel channel;
        final String path;
        final LongSupplier currentIndex;
        final long clientIndex;
        final Supplier<Reply> render;
        final Consumer<Reply> writer;
        final AtomicBoolean finished = new AtomicBoolean();
        volatile ScheduledFuture<?> timer;

        Parked(Kind kind, Channel channel, String path, LongSupplier currentIndex, long clientIndex,
               Supplier<Reply> render, Consumer<Reply> writer) {
            this.kind = kind;
            this.channel = channel;
            this.path = path;
            this.currentIndex = currentIndex;
            this.clientIndex = clientIndex;
            this.render = render;
            this.writer = writer;
        }

        boolean indexMoved() {
            return Long.compareUnsigned(currentIndex.getAsLong(), clientIndex) > 0;
        }
    }

    private final Set<Parked> parked = ConcurrentHashMap.newKeySet();
    private final Object monitor = new Object();
    private final boolean jitter;

    private volatile long lastWaitNanos = -1;

    public ParkedRequests(boolean jitter) {
        this.jitter = jitter;
    }

    /**
     * Consul's jitter: the wait plus a random extra of 0 to wait/16 inclusive.
     *
     * @param draw given a bound, a random value from 0 (inclusive) to that bound (exclusive)
     */
    static long jittered(long waitNanos, LongUnaryOperator draw) {
        return waitNanos < 16 ? waitNanos : waitNanos + draw.applyAsLong(waitNanos / 16 + 1);
    }

    /** The wait, jitter included, the last parked blocking query was given; -1 before any. */
    public long lastWaitNanos() {
        return lastWaitNanos;
    }

    /**
     * Parks a blocking query until {@code currentIndex} exceeds the client's index or the wait (plus up
     * to wait/16 of jitter) elapses; then {@code render}s the current state and hands it to {@code writer}
     * on the channel's event loop.
     */
    void park(Channel channel, String path, Outcome.Blocking query, Consumer<Reply> writer) {
        Parked entry = new Parked(Kind.BLOCKING, channel, path, query.currentIndex(), query.options().index(),
                query.render(), writer);
        add(entry);
        long waitNanos = query.options().waitTime().toNanos();
        if (jitter) {
            waitNanos = jittered(waitNanos, bound -> ThreadLocalRandom.current().nextLong(bound));
        }
        lastWaitNanos = waitNanos;
        entry.timer = channel.eventLoop().schedule(() -> release(entry), waitNanos, TimeUnit.NANOSECONDS);
        // A commit may have landed between the endpoint's check and the registration above.
        if (entry.indexMoved()) {
            release(entry);
        }
        if (!channel.isActive()) {
            discard(channel);
        }
    }

    /** Holds a request with no answer at all until the client gives up or the double closes. */
    void hang(Channel channel, String path) {
        add(new Parked(Kind.HANG, channel, path, () -> 0, 0, null, null));
        if (!channel.isActive()) {
            discard(channel);
        }
    }

    @Override
    public void onCommit() {
        for (Parked p : parked) {
            if (p.kind == Kind.BLOCKING && p.indexMoved()) {
                release(p);
            }
        }
    }

    @Override
    public void onRestore() {
        // Consul abandons the state store on restore: every blocked query returns at once.
        for (Parked p : parked) {
            if (p.kind == Kind.BLOCKING) {
                release(p);
            }
        }
    }

    /** The client went away: forget its parked requests without answering. */
    void discard(Channel channel) {
        for (Parked p : parked) {
            if (p.channel == channel) {
                finish(p);
            }
        }
    }

    /** Forgets entries whose connection is already closed (used right after the listener drops them all). */
    public void discardClosed() {
        for (Parked p : parked) {
            if (!p.channel.isOpen()) {
                finish(p);
            }
        }
    }

    /** Shutdown: blocking queries get their current answer, hung requests get their connection closed. */
    public void releaseAll() {
        for (Parked p : parked) {
            if (p.kind == Kind.BLOCKING) {
                release(p);
            } else if (finish(p)) {
                p.channel.close();
            }
        }
    }

    public int blockedCount(String pathPrefix) {
        return count(Kind.BLOCKING, pathPrefix);
    }

    public int hangingCount(String pathPrefix) {
        return count(Kind.HANG, pathPrefix);
    }

    public boolean awaitBlocked(String pathPrefix, int atLeast, Duration timeout) {
        return await(Kind.BLOCKING, pathPrefix, n -> n >= atLeast, timeout);
    }

    public boolean awaitBlockedAtMost(String pathPrefix, int atMost, Duration timeout) {
        return await(Kind.BLOCKING, pathPrefix, n -> n <= atMost, timeout);
    }

    public boolean awaitHanging(String pathPrefix, int atLeast, Duration timeout) {
        return await(Kind.HANG, pathPrefix, n -> n >= atLeast, timeout);
    }

    private void release(Parked p) {
        if (!finish(p)) {
            return;
        }
        p.channel.eventLoop().execute(() -> {
            if (!p.channel.isActive()) {
                return;
            }
            try {
                p.writer.accept(p.render.get());
            } catch (RuntimeException e) {
                LOG.error("Failed to answer parked request {}", p.path, e);
                p.channel.close();
            }
        });
    }

    private void add(Parked p) {
        parked.add(p);
        signal();
    }

    /** @return true if this call is the one that finished the entry */
    private boolean finish(Parked p) {
        if (!p.finished.compareAndSet(false, true)) {
            return false;
        }
        ScheduledFuture<?> timer = p.timer;
        if (timer != null) {
            timer.cancel(false);
        }
        parked.remove(p);
        signal();
        return true;
    }

    private int count(Kind kind, String pathPrefix) {
        int n = 0;
        for (Parked p : parked) {
            if (p.kind == kind && (pathPrefix == null || p.path.startsWith(pathPrefix))) {
                n++;
            }
        }
        return n;
    }

    private boolean await(Kind kind, String pathPrefix, IntPredicate done, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (monitor) {
            while (!done.test(count(kind, pathPrefix))) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(monitor, remaining);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    private void signal() {
        synchronized (monitor) {
            monitor.notifyAll();
        }
    }
}
