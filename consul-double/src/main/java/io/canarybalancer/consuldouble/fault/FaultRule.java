package io.canarybalancer.consuldouble.fault;

import io.canarybalancer.consuldouble.http.RecordedRequest;

import java.util.function.Predicate;

/**
 * An armed fault: which requests it applies to and for how long. Returned by {@link FaultPlan} so a
 * test can check how often it fired or disarm it early.
 */
public final class FaultRule {

    private final Fault fault;
    private final Predicate<RecordedRequest> scope;
    private final int limit;
    private final long deadlineNanos;
    private int applied;
    private boolean cancelled;

    FaultRule(Fault fault, Predicate<RecordedRequest> scope, int limit, long deadlineNanos) {
        this.fault = fault;
        this.scope = scope;
        this.limit = limit;
        this.deadlineNanos = deadlineNanos;
    }

    public Fault fault() {
        return fault;
    }

    /** @return how many requests this rule has answered so far */
    public synchronized int appliedCount() {
        return applied;
    }

    /** @return true once the rule will not fire again (count used up, window over, or cancelled) */
    public synchronized boolean isExhausted() {
        return cancelled || (limit > 0 && applied >= limit)
                || (deadlineNanos != 0 && System.nanoTime() - deadlineNanos >= 0);
    }

    /** Disarms the rule. */
    public synchronized void cancel() {
        cancelled = true;
    }

    /** Consumes one use if the rule is live and matches. */
    synchronized boolean tryApply(RecordedRequest request) {
        if (isExhausted() || !scope.test(request)) {
            return false;
        }
        applied++;
        return true;
    }

    @Override
    public synchronized String toString() {
        return fault + " (applied " + applied + (limit > 0 ? "/" + limit : "") + ")";
    }
}
