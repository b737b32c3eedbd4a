package io.canarybalancer.balancer;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What a test started (backends, balancers, clients), for JUnit's {@code @AutoClose} to close after
 * it: the latest first, so clients go before the balancer and the balancer before its backends.
 * Every one is closed even when one fails to.
 */
final class Started implements AutoCloseable {
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();

    /** Keeps {@code resource} for closing and returns it. */
    <T extends AutoCloseable> T add(T resource) {
        resources.push(resource);
        return resource;
    }

    @Override
    public void close() throws Exception {
        Exception failure = null;
        while (!resources.isEmpty()) {
            try {
                resources.pop().close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
