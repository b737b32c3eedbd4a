package io.canarybalancer.consuldouble.fault;

import io.canarybalancer.consuldouble.http.RecordedRequest;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * The double's armed faults, consulted for every HTTP request in arming order: the first live rule whose
 * scope matches answers the request. {@link #next}, {@link #always} and {@link #during} apply to all
 * requests; {@link #onPath} and {@link #matching} narrow the scope.
 */
public final class FaultPlan {

    private final List<FaultRule> rules = new CopyOnWriteArrayList<>();
    private final FaultScope everything = new FaultScope(this, request -> true);

    /** An empty plan; each double owns one and exposes it as {@code faults()}. */
    public FaultPlan() {
    }

    /** The next {@code count} requests get the fault. */
    public FaultRule next(int count, Fault fault) {
        return everything.next(count, fault);
    }

    /** Every request gets the fault until cancelled or cleared. */
    public FaultRule always(Fault fault) {
        return everything.always(fault);
    }

    /** Every request gets the fault for {@code window}, starting now. */
    public FaultRule during(Duration window, Fault fault) {
        return everything.during(window, fault);
    }

    /** Scopes faults to requests whose decoded path starts with {@code pathPrefix}, e.g. {@code /v1/health/}. */
    public FaultScope onPath(String pathPrefix) {
        return new FaultScope(this, request -> request.path().startsWith(pathPrefix));
    }

    /** Scopes faults to requests matching any predicate (method, parameters, token, ...). */
    public FaultScope matching(Predicate<RecordedRequest> predicate) {
        return new FaultScope(this, predicate);
    }

    /** Disarms every rule. */
    public void clear() {
        rules.forEach(FaultRule::cancel);
        rules.clear();
    }

    /** @return the rules still armed, in arming order */
    public List<FaultRule> rules() {
        rules.removeIf(FaultRule::isExhausted);
        return List.copyOf(rules);
    }

    FaultRule arm(FaultRule rule) {
        rules.add(rule);
        return rule;
    }

    /** Called by the server for every request: the fault of the first live matching rule, using up one of its uses. */
    public Optional<Fault> claim(RecordedRequest request) {
        for (FaultRule rule : rules) {
            if (rule.tryApply(request)) {
                return Optional.of(rule.fault());
            }
        }
        return Optional.empty();
    }
}
