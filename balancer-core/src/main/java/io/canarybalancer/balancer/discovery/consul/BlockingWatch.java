package io.canarybalancer.balancer.discovery.consul;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigInteger;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The loop every Consul watch runs on its own thread, until {@link #close()}: one blocking query
 * after another from the index the last answer gave ({@link BlockingIndex}), no faster than the
 * {@link RateLimiter} allows even when answers come back at once, and after a failure (refused,
 * reset, timeout, 4xx/5xx, an answer that does not parse) a jittered exponential {@link Backoff}
 * before the next try. Subclasses say what to ask and what an answer or a failure means.
 *
 * <p>Nothing but closing ends the loop: an exception of any kind, thrown by the call or while the
 * answer is processed (a publisher callback included), and any {@link Error} but a
 * {@link VirtualMachineError}, is a failed attempt: reported through {@link #failed}, so the watch
 * state says the truth, then retried from the same index after the backoff.
 *
 * @param <T> what one answer is, parsed
 */
public abstract class BlockingWatch<T> implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(BlockingWatch.class);

    /** One answer: its parsed value, the index Consul sent and whether it knew the leader. */
    public record Answer<T>(T value, BigInteger index, boolean knownLeader) {
    }

    private final ConsulSettings settings;
    private final Backoff backoff;
    private final CountDownLatch closed = new CountDownLatch(1);

    protected BlockingWatch(ConsulSettings settings, Backoff backoff) {
        this.settings = settings;
        this.backoff = backoff;
    }

    /**
     * One query, blocking until the state passes {@code index} or the wait ends; {@code index} 0
     * answers at once. Any exception is a failed attempt.
     */
    protected abstract Answer<T> ask(long index);

    /**
     * A successful answer, on the watch thread; {@code step} says where the index went. Anything it
     * throws fails the attempt, and the same index is asked again.
     */
    protected abstract void answered(T value, BlockingIndex step, boolean knownLeader);

    /** An attempt failed; {@code consecutive} counts them since the last answer (1 for the first). */
    protected abstract void failed(Throwable e, int consecutive);

    /** An answer came after {@code failures} failed attempts. */
    protected abstract void recovered(int failures);

    @Override
    public final void run() {
        RateLimiter limiter = new RateLimiter(settings.burst(), settings.minInterval(), System.nanoTime());
        long index = 0;
        int failures = 0;
        while (pause(limiter.reserve(System.nanoTime()))) {
            try {
                Answer<T> answer = ask(index);
                BlockingIndex step = BlockingIndex.after(index, answer.index());
                answered(answer.value(), step, answer.knownLeader());
                index = step.next();
            } catch (VirtualMachineError e) {
                throw e; // out of memory or stack: nothing sensible is left to do here
            } catch (RuntimeException | Error e) {
                if (isClosed()) {
                    return; // closing cancels the call in flight: not a failure worth a word
                }
                report(e, ++failures);
                if (!pause(backoff.delayNanos(failures))) {
                    return;
                }
                continue;
            }
            if (failures > 0) {
                recovered(failures);
                failures = 0;
            }
        }
    }

    /** {@link #failed}, which must not end the loop either, even if what it tells throws. */
    private void report(Throwable e, int consecutive) {
        try {
            failed(e, consecutive);
        } catch (VirtualMachineError fatal) {
            throw fatal;
        } catch (RuntimeException | Error another) {
            another.addSuppressed(e);
            log.error("Reporting a failed Consul watch attempt failed too", another);
        }
    }

    /** Stops the loop at its next pause; the query in flight, if any, is left to end or be cancelled. */
    public void close() {
        closed.countDown();
    }

    boolean isClosed() {
        return closed.getCount() == 0;
    }

    /** Waits, unless closed first; false when closed. */
    private boolean pause(long nanos) {
        try {
            return !closed.await(nanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A failure in one line: the root cause, with the outer message when it says more. */
    protected static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName()
                : root.getClass().getSimpleName() + ": " + root.getMessage();
        String outer = e.getMessage();
        if (root != e && outer != null && !outer.contains(message)) {
            message = firstLine(outer) + " (" + message + ")";
        }
        return firstLine(message);
    }

    private static String firstLine(String text) {
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }
}
