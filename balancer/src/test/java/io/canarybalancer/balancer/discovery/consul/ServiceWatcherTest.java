package io.canarybalancer.balancer.discovery.consul;

import io.canarybalancer.balancer.discovery.ServiceInstance;
import io.canarybalancer.balancer.discovery.SkippedInstance;
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
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import static io.canarybalancer.balancer.discovery.consul.HealthFixtures.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The watch loop against a scripted Consul: each test hands it answers (or failures) one by one
 * and observes what it asks for next and what it publishes.
 */
class ServiceWatcherTest {
    final BlockingQueue<Long> askedIndexes = new LinkedBlockingQueue<>();
    final BlockingQueue<Object> script = new LinkedBlockingQueue<>();
    final BlockingQueue<List<ServiceInstance>> published = new LinkedBlockingQueue<>();
    final BlockingQueue<String> waitingReasons = new LinkedBlockingQueue<>();
    /** What the publisher throws instead of publishing, one per publication, while not empty. */
    final BlockingQueue<Throwable> publisherFailures = new LinkedBlockingQueue<>();
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
        watcher = new ServiceWatcher("web", query, settings, (service, instances) -> {
            Throwable failure = publisherFailures.poll();
            if (failure instanceof RuntimeException e) {
                throw e;
            } else if (failure instanceof Error e) {
                throw e;
            }
            published.add(instances);
        }, (service, reason) -> waitingReasons.add(reason),
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
        AtomicLong index = new AtomicLong(4);
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(1)).until(() -> {
            answer(index.getAndIncrement());
            askedIndexes.poll(5, TimeUnit.SECONDS);
            return !published.isEmpty();
        });

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

    @Test
    void aPublisherThatThrowsFailsTheAttemptButNeverEndsTheWatch() throws Exception {
        publisherFailures.add(new AssertionError("an Error from the table build"));
        publisherFailures.add(new IllegalStateException("a RuntimeException from the table build"));
        start(Duration.ofSeconds(30));
        answer(5, entry("a").build());
        awaitState(state -> state.consecutiveFailures() == 1);
        assertThat(watcher.state().stale()).isTrue();
        assertThat(watcher.state().lastError()).contains("an Error from the table build");

        answer(5, entry("a").build()); // the same answer again: the second failure
        awaitState(state -> state.consecutiveFailures() == 2);
        assertThat(watcher.state().lastError()).contains("a RuntimeException from the table build");
        answer(5, entry("a").build());

        assertThat(nextPublished()).extracting(ServiceInstance::id).containsExactly("a");
        assertThat(nextAsked(3)).as("the index is kept until an answer was processed").containsExactly(0L, 0L, 0L);
        awaitState(state -> state.consecutiveFailures() == 0 && !state.stale());
    }

    @Test
    void failuresBeforeTheFirstAnswerSayWhyTheServiceIsNotKnownYet() throws Exception {
        start(Duration.ofSeconds(30));
        script.add(new RuntimeException("Connection refused"));

        assertThat(waitingReasons.poll(5, TimeUnit.SECONDS)).contains("Connection refused");
        answer(5, entry("a").build());
        nextPublished();
        script.add(new RuntimeException("Connection reset"));
        awaitState(state -> state.consecutiveFailures() == 1);
        assertThat(waitingReasons).as("known replicas are not waiting any more").isEmpty();
    }

    @Test
    void unusableInstancesAreSkippedAndTheOthersPublished() throws Exception {
        start(Duration.ofSeconds(30));
        answer(5, entry("good").address("10.0.0.5").build(),
                entry("port-zero").port(0).build(),
                entry("port-too-high").port(70_000).build(),
                entry("bad-address").address("not a host!").build(),
                entry("zero-weight").weights(0, 1).build(),
                entry("huge-weight").weights(Integer.MAX_VALUE, 1).build());

        assertThat(nextPublished()).extracting(ServiceInstance::id).containsExactly("good");
        awaitState(state -> state.index() == 5);
        assertThat(watcher.state().stale()).isFalse();
        assertThat(watcher.state().skipped()).extracting(SkippedInstance::id).containsExactlyInAnyOrder(
                "port-zero", "port-too-high", "bad-address", "zero-weight", "huge-weight");
        assertThat(watcher.state().skipped()).allSatisfy(skipped -> assertThat(skipped.reason()).isNotBlank());

        answer(6, entry("good").address("10.0.0.5").build(), entry("port-zero").port(0).build(),
                entry("later").build()); // a later good change still applies
        assertThat(nextPublished()).extracting(ServiceInstance::id).containsExactly("good", "later");
        awaitState(state -> state.skipped().size() == 1);
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

    private void awaitState(Predicate<WatchState> condition) {
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(1))
                .untilAsserted(() -> assertThat(watcher.state()).matches(condition));
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
