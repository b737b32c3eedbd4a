package io.canarybalancer.balancer.discovery.consul;

import io.canarybalancer.balancer.discovery.ServiceInstance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.kiwiproject.consul.model.ConsulResponse;
import org.kiwiproject.consul.model.health.ServiceHealth;

import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.canarybalancer.balancer.discovery.consul.HealthFixtures.entry;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The watch loop against a scripted Consul: each test hands it answers (or failures) one by one
 * and observes what it asks for next and what it publishes.
 */
class ServiceWatcherTest {
    final BlockingQueue<Long> askedIndexes = new LinkedBlockingQueue<>();
    final BlockingQueue<Object> script = new LinkedBlockingQueue<>();
    final BlockingQueue<List<ServiceInstance>> published = new LinkedBlockingQueue<>();
    ServiceWatcher watcher;
    Thread thread;

    @AfterEach
    void stop() throws InterruptedException {
        watcher.close();
        script.add(new IllegalStateException("closed")); // release a pending query
        thread.join(5_000);
        assertThat(thread.isAlive()).isFalse();
    }

    void start(Duration grace) {
        ConsulSettings settings = new ConsulSettings("http://127.0.0.1:1", null, null, Duration.ofSeconds(5),
                grace, Duration.ofMillis(1), Duration.ofMillis(5), 1000, Duration.ofMillis(1));
        HealthQuery query = (service, index, wait) -> {
            askedIndexes.add(index);
            Object next = take(script);
            if (next instanceof RuntimeException failure) {
                throw failure;
            }
            return (ConsulResponse<List<ServiceHealth>>) next;
        };
        watcher = new ServiceWatcher("web", query, settings, (service, instances) -> published.add(instances),
                new Backoff(Duration.ofMillis(1), Duration.ofMillis(5), () -> 0.5), Clock.systemUTC());
        thread = new Thread(watcher, "watch-under-test");
        thread.start();
    }

    @Test
    void publishesChangesOnlyAndBlocksOnTheLastIndex() throws Exception {
        start(Duration.ofSeconds(30));
        answer(5, entry("a").build());
        assertThat(nextPublished()).extracting(ServiceInstance::id).containsExactly("a");
        answer(6, entry("a").build()); // a wake-up with no change
        answer(9, entry("a").build(), entry("b").build());

        assertThat(nextPublished()).extracting(ServiceInstance::id).containsExactly("a", "b");
        assertThat(nextAsked(4)).containsExactly(0L, 5L, 6L, 9L);
        assertThat(watcher.state().index()).isEqualTo(9);
        assertThat(watcher.state().stale()).isFalse();
    }

    @Test
    void aFailureKeepsTheReplicasAndIsRetriedWithTheSameIndex() throws Exception {
        start(Duration.ofSeconds(30));
        answer(5, entry("a").build());
        nextPublished();
        script.add(new RuntimeException("500 No cluster leader"));
        script.add(new NumberFormatException("For input string: \"garbage\""));

        assertThat(nextAsked(3)).containsExactly(0L, 5L, 5L);
        awaitState(state -> state.consecutiveFailures() == 2);
        assertThat(watcher.state().stale()).isTrue();
        assertThat(watcher.state().lastError()).contains("garbage");

        answer(7, entry("a").build());
        assertThat(nextAsked(1)).containsExactly(5L);
        awaitState(state -> state.consecutiveFailures() == 0);
        assertThat(published).isEmpty(); // nothing changed, nothing republished
    }

    @Test
    void anIndexThatWentBackwardsIsReadAfreshAndASuddenEmptyAnswerIsHeld() throws Exception {
        start(Duration.ofSeconds(30));
        answer(50, entry("a").build(), entry("b").build());
        nextPublished();

        answer(3); // an agent that restarted: lower index, no instances
        answer(4); // the fresh read: still empty

        assertThat(nextAsked(3)).containsExactly(0L, 50L, 0L);
        awaitState(WatchState::holdingReplicas);
        assertThat(published).isEmpty();

        answer(8, entry("a").build()); // the replicas register again
        assertThat(nextPublished()).extracting(ServiceInstance::id).containsExactly("a");
        awaitState(state -> !state.holdingReplicas());
    }

    @Test
    void aHeldEmptyAnswerIsAcceptedOnceTheGracePeriodIsOver() throws Exception {
        start(Duration.ofMillis(200));
        answer(50, entry("a").build());
        nextPublished();

        answer(3);
        awaitState(WatchState::holdingReplicas);
        askedIndexes.clear();
        // keep answering "empty", one answer per query, until the watch gives up holding (bounded)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (int i = 0; published.isEmpty() && System.nanoTime() < deadline; i++) {
            answer(4 + i);
            askedIndexes.poll(5, TimeUnit.SECONDS);
        }

        assertThat(nextPublished()).isEmpty();
        awaitState(state -> !state.holdingReplicas());
    }

    @Test
    void anEmptyAnswerWithoutAnIndexResetIsBelievedAtOnce() throws Exception {
        start(Duration.ofSeconds(30));
        answer(5, entry("a").build());
        nextPublished();

        answer(6);

        assertThat(nextPublished()).isEmpty();
    }

    @Test
    void aMissingIndexIsClampedToOneSoTheNextQueryBlocks() throws Exception {
        start(Duration.ofSeconds(30));
        script.add(new ConsulResponse<>(List.of(entry("a").build()), 0, true, null, Optional.empty()));
        script.add(new ConsulResponse<>(List.of(entry("a").build()), 0, true, BigInteger.ZERO, Optional.empty()));

        assertThat(nextAsked(3)).containsExactly(0L, 1L, 1L);
    }

    private void answer(long index, ServiceHealth... entries) {
        script.add(new ConsulResponse<>(List.of(entries), 0, true, BigInteger.valueOf(index), Optional.empty()));
    }

    private List<ServiceInstance> nextPublished() throws InterruptedException {
        List<ServiceInstance> next = published.poll(5, TimeUnit.SECONDS);
        assertThat(next).as("a publication within 5 s").isNotNull();
        return next;
    }

    private List<Long> nextAsked(int count) throws InterruptedException {
        List<Long> asked = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            Long index = askedIndexes.poll(5, TimeUnit.SECONDS);
            assertThat(index).as("query %d within 5 s", i + 1).isNotNull();
            asked.add(index);
        }
        return asked;
    }

    private void awaitState(java.util.function.Predicate<WatchState> condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.test(watcher.state())) {
            assertThat(System.nanoTime()).as("state reached within 5 s: %s", watcher.state()).isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    private static Object take(BlockingQueue<Object> queue) {
        try {
            return queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
