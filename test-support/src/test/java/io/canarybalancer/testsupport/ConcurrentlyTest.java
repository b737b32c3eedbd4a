package io.canarybalancer.testsupport;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Tasks run side by side, their results come back in order, and a failure is not lost. */
class ConcurrentlyTest {
    private static final Duration LIMIT = Duration.ofSeconds(30);

    @Test
    void asManyTasksAsThreadsRunAtOnceAndAnswerInOrder() throws Exception {
        CountDownLatch allIn = new CountDownLatch(4);
        List<Callable<Boolean>> tasks = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            tasks.add(() -> {
                allIn.countDown();
                return allIn.await(LIMIT.toSeconds(), TimeUnit.SECONDS); // true only if all four ran together
            });
        }

        assertThat(Concurrently.run(4, tasks, LIMIT)).containsExactly(true, true, true, true);
    }

    @Test
    void resultsFollowTheTasksOrder() throws Exception {
        List<Callable<Integer>> tasks = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            int n = i;
            tasks.add(() -> n * n);
        }

        assertThat(Concurrently.run(3, tasks, LIMIT)).containsExactly(0, 1, 4, 9, 16, 25, 36, 49, 64, 81);
    }

    @Test
    void aTaskThatFailsFailsTheRun() {
        List<Callable<Integer>> tasks = List.of(() -> 1, () -> {
            throw new IllegalStateException("overdrawn");
        });

        assertThatThrownBy(() -> Concurrently.run(2, tasks, LIMIT)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IllegalStateException.class).hasRootCauseMessage("overdrawn");
    }
}
