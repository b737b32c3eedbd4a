package io.canarybalancer.consuldouble.fault;

import io.canarybalancer.consuldouble.http.RecordedRequest;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Arms faults for the requests a scope selects (all requests, a path prefix, or any predicate). Obtain
 * one from {@link FaultPlan#onPath(String)} or {@link FaultPlan#matching(Predicate)}.
 */
public final class FaultScope {

    private final FaultPlan plan;
    private final Predicate<RecordedRequest> scope;

    FaultScope(FaultPlan plan, Predicate<RecordedRequest> scope) {
        this.plan = plan;
        this.scope = scope;
    }

    /** The next {@code count} requests in scope get the fault; later ones are served normally. */
    public FaultRule next(int count, Fault fault) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be >= 1");
        }
        return plan.arm(new FaultRule(Objects.requireNonNull(fault, "fault"), scope, count, 0));
    }

    /** Every request in scope gets the fault until the rule is cancelled or the plan cleared. */
    public FaultRule always(Fault fault) {
        return plan.arm(new FaultRule(Objects.requireNonNull(fault, "fault"), scope, 0, 0));
    }

    /** Every request in scope gets the fault for {@code window}, starting now. */
    public FaultRule during(Duration window, Fault fault) {
        long deadline = System.nanoTime() + window.toNanos();
        return plan.arm(new FaultRule(Objects.requireNonNull(fault, "fault"), scope, 0, deadline == 0 ? 1 : deadline));
    }
}
