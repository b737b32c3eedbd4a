package io.canarybalancer.testsupport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Races tasks against each other, as the concurrency tests do: every task waits at one gate, the gate
 * opens once all are submitted, and the caller waits for them all.
 */
public final class Concurrently {

    private Concurrently() {
    }

    /**
     * @param threads how many tasks run at once (the others start as those end)
     * @param limit   the longest to wait for each task's result: a guard against a hung test, not a measure
     * @return the tasks' results, in the tasks' order
     * @throws java.util.concurrent.ExecutionException if a task failed, with its exception as the cause
     */
    public static <T> List<T> run(int threads, List<Callable<T>> tasks, Duration limit) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (Callable<T> task : tasks) {
                futures.add(pool.submit(() -> {
                    go.await();
                    return task.call();
                }));
            }
            go.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get(limit.toMillis(), TimeUnit.MILLISECONDS));
            }
            return results;
        } finally {
            pool.shutdown();
        }
    }
}
