package io.canarybalancer.balancer.rollout;

import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Where the rollout state of each route lives: in this balancer only ({@link LocalRolloutStore}),
 * or in Consul KV, shared by every balancer instance and kept across restarts.
 */
public interface RolloutStore extends AutoCloseable {

    /** Starts; the listener gets every route's stored state now and after every change, from any instance. */
    void start(Consumer<Map<String, RolloutState>> listener);

    /**
     * Changes one route's state atomically: {@code change} is applied to the stored state (or to
     * {@code current} if none is stored yet) and the result stored unless another writer got there
     * first, in which case it is applied again to what that writer stored. May block: never call it
     * on an event loop.
     *
     * @return the state stored
     * @throws RolloutException when the store cannot be written
     */
    RolloutState update(String route, RolloutState current, UnaryOperator<RolloutState> change) throws RolloutException;

    /** Whether changes are shared with other balancer instances and survive a restart. */
    boolean shared();

    @Override
    void close();

    /** The store could not take a change; nothing was changed. */
    final class RolloutException extends Exception {
        public RolloutException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
