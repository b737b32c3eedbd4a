package io.canarybalancer.balancer.rollout;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/** Rollout state kept in this balancer: changes apply at once and are lost on restart. */
public final class LocalRolloutStore implements RolloutStore {
    private final Map<String, RolloutState> states = new LinkedHashMap<>();
    private Consumer<Map<String, RolloutState>> listener = states -> { };

    @Override
    public synchronized void start(Consumer<Map<String, RolloutState>> listener) {
        this.listener = listener;
        listener.accept(Map.copyOf(states));
    }

    @Override
    public synchronized RolloutState update(String route, RolloutState current, UnaryOperator<RolloutState> change) {
        RolloutState next = change.apply(states.getOrDefault(route, current));
        states.put(route, next);
        listener.accept(Map.copyOf(states));
        return next;
    }

    @Override
    public boolean shared() {
        return false;
    }

    @Override
    public void close() {
    }
}
