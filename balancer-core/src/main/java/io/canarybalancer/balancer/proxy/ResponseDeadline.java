package io.canarybalancer.balancer.proxy;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * The response timeout of one client connection's exchanges, without a timer per request.
 *
 * <p>Scheduling and cancelling a task per request costs two priority-queue operations on the event
 * loop, measurable at tens of thousands of requests a second. Instead the deadline is a field: arming
 * moves it, and one task per connection is scheduled only when none is pending. When the task runs
 * and the current deadline lies further ahead (later requests re-armed it), it schedules itself for
 * the rest; a keep-alive connection thus schedules about once per timeout period, not per request.
 *
 * <p>Confined to the connection's event loop.
 */
final class ResponseDeadline {
    private final EventExecutor executor;
    private final Runnable check = this::check;
    private ScheduledFuture<?> pending;
    private Exchange armedFor;
    private long deadlineNanos;

    ResponseDeadline(EventExecutor executor) {
        this.executor = executor;
    }

    /** {@code exchange} times out unless disarmed within {@code timeoutNanos}. */
    void arm(Exchange exchange, long timeoutNanos) {
        armedFor = exchange;
        deadlineNanos = executor.ticker().nanoTime() + timeoutNanos;
        if (pending == null) {
            pending = executor.schedule(check, timeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** The answer started (or the exchange ended): nothing to time out. The pending task finds nothing. */
    void disarm(Exchange exchange) {
        if (armedFor == exchange) {
            armedFor = null;
        }
    }

    /** The connection closed: drop the pending task too. */
    void close() {
        armedFor = null;
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
    }

    private void check() {
        pending = null;
        if (armedFor == null) {
            return;
        }
        long left = deadlineNanos - executor.ticker().nanoTime();
        if (left > 0) {
            pending = executor.schedule(check, left, TimeUnit.NANOSECONDS);
            return;
        }
        Exchange expired = armedFor;
        armedFor = null;
        expired.onResponseTimeout();
    }
}
