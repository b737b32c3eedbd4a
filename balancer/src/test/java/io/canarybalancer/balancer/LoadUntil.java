package io.canarybalancer.balancer;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Load from four threads until a condition on a route's status holds, as canary analysis tests
 * need: the analysis only moves while requests flow. Bounded in count and in time.
 */
final class LoadUntil {
    private static final int THREADS = 4;
    /** The status is polled, not waited on: rarely enough to leave the CPU to the load. */
    private static final Duration POLL = Duration.ofMillis(20);
    private static final Duration LIMIT = Duration.ofSeconds(30);

    /** One request of the load; what it answers is the caller's to record. */
    interface Request {
        void send() throws Exception;
    }

    private LoadUntil() {
    }

    /**
     * Sends {@code request} from four threads until {@code condition} holds for what {@code route}
     * returns, or fails after {@code limit} requests or thirty seconds; returns how many were sent.
     */
    static int drive(Request request, Callable<JsonNode> route, Predicate<JsonNode> condition, int limit)
            throws Exception {
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger sent = new AtomicInteger();
        ExecutorService load = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int i = 0; i < THREADS; i++) {
                workers.add(load.submit(() -> {
                    while (!done.get() && sent.incrementAndGet() <= limit) {
                        request.send();
                    }
                    return null;
                }));
            }
            await("the condition on the route's status, under load").atMost(LIMIT).pollInterval(POLL)
                    .failFast("all " + limit + " requests were sent before the condition held", () -> sent.get() >= limit)
                    .untilAsserted(() -> {
                        JsonNode status = route.call();
                        assertThat(condition.test(status)).as("the condition on %s", status).isTrue();
                    });
            done.set(true);
            for (Future<?> worker : workers) {
                worker.get(30, TimeUnit.SECONDS);
            }
            return sent.get();
        } finally {
            done.set(true);
            load.shutdownNow();
        }
    }
}
