package io.canarybalancer.balancer.proxy;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps retries from multiplying an outage: retries may add at most {@code ratio} to the requests
 * sent (plus a small allowance per second so a quiet balancer can still retry at all). When every
 * replica is failing, the extra load stays bounded instead of doubling.
 *
 * <p>Lock-free: two counters, decayed by halving every {@code windowNanos}.
 */
public final class RetryBudget {
    private final double ratio;
    private final long minPerWindow;
    private final long windowNanos;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong windowStart;

    public RetryBudget(double ratio, long minPerWindow, long windowNanos, long nowNanos) {
        this.ratio = ratio;
        this.minPerWindow = minPerWindow;
        this.windowNanos = windowNanos;
        this.windowStart = new AtomicLong(nowNanos);
    }

    /** Counts a first attempt. */
    public void requested(long nowNanos) {
        decay(nowNanos);
        requests.incrementAndGet();
    }

    /** Takes a retry from the budget, if there is one left. */
    public boolean tryRetry(long nowNanos) {
        decay(nowNanos);
        long allowed = minPerWindow + (long) (requests.get() * ratio);
        if (retries.incrementAndGet() <= allowed) {
            return true;
        }
        retries.decrementAndGet();
        return false;
    }

    private void decay(long nowNanos) {
        long start = windowStart.get();
        if (nowNanos - start >= windowNanos && windowStart.compareAndSet(start, nowNanos)) {
            requests.updateAndGet(count -> count / 2);
            retries.updateAndGet(count -> count / 2);
        }
    }
}
