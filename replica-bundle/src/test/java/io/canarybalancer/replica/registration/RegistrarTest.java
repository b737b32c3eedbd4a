package io.canarybalancer.replica.registration;

import io.canarybalancer.replica.core.ReplicaIdentity;
import io.canarybalancer.replica.core.ReplicaSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class RegistrarTest {

    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final ReplicaIdentity REPLICA =
            new ReplicaIdentity("s", "service-v1", "v1", List.of("credit"), "127.0.0.1", 8090);
    private static final ReplicaSettings.Timings TIMINGS = new ReplicaSettings.Timings(
            Duration.ofSeconds(5), Duration.ofSeconds(2), Duration.ofMinutes(1), Duration.ofMillis(10),
            Duration.ofMillis(40), Duration.ofMillis(50), Duration.ofSeconds(1));

    private final FakeRegistry registry = new FakeRegistry();
    private final Registrar registrar = new Registrar(registry, TIMINGS);

    @AfterEach
    void stop() {
        registrar.stop(Duration.ofSeconds(1));
    }

    @Test
    void waitsForTheServerBeforeRegistering() {
        assertThat(registrar.state()).isEqualTo(RegistrationState.WAITING_FOR_SERVER);
        assertThat(registry.registrations).hasValue(0);
    }

    @Test
    void retriesUntilTheRegistryAnswers() {
        registry.failuresLeft.set(5);

        registrar.start(REPLICA);

        await().atMost(WAIT).until(() -> registrar.state() == RegistrationState.REGISTERED);
        assertThat(registry.attempts).hasValue(6);
        assertThat(registry.listed).isTrue();
        assertThat(registrar.failedAttempts()).isZero();
    }

    @Test
    void retryDelayDoublesUpToItsBound() {
        registry.failuresLeft.set(6);

        registrar.start(REPLICA);
        await().atMost(WAIT).until(() -> registrar.state() == RegistrationState.REGISTERED);

        List<Long> gaps = registry.gapsMillis();
        // 10, 20, 40, then capped at 40 ms: later gaps never shrink below the bound, the first is the shortest.
        assertThat(gaps).hasSize(6);
        assertThat(gaps.get(0)).isGreaterThanOrEqualTo(10);
        assertThat(gaps.get(2)).isGreaterThanOrEqualTo(40);
        assertThat(gaps.get(5)).isGreaterThanOrEqualTo(40);
    }

    @Test
    void stopDeregistersARegisteredReplicaAndClosesTheRegistry() {
        registrar.start(REPLICA);
        await().atMost(WAIT).until(() -> registrar.state() == RegistrationState.REGISTERED);

        registrar.stop(Duration.ofSeconds(1));

        assertThat(registrar.state()).isEqualTo(RegistrationState.STOPPED);
        assertThat(registry.listed).isFalse();
        assertThat(registry.deregistrations).hasValue(1);
        assertThat(registry.closed).isTrue();
    }

    @Test
    void stopWhileRetryingEndsTheRetriesAndStillTriesToDeregister() {
        registry.failuresLeft.set(Integer.MAX_VALUE);
        registrar.start(REPLICA);
        await().atMost(WAIT).until(() -> registry.attempts.get() >= 2);

        registrar.stop(Duration.ofSeconds(1));
        int attemptsAtStop = registry.attempts.get();

        assertThat(registry.deregistrations).hasValue(1);
        // nothing tries again after the stop: the count stays put for a while
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(1))
                .until(() -> registry.attempts.get() == attemptsAtStop);
    }

    @Test
    void stopBeforeTheServerStartedTouchesNothing() {
        registrar.stop(Duration.ofSeconds(1));

        assertThat(registry.deregistrations).hasValue(0);
        assertThat(registry.closed).isTrue();
    }

    @Test
    void registersAgainWhenTheRegistryForgetsTheReplica() {
        registrar.start(REPLICA);
        await().atMost(WAIT).until(() -> registrar.state() == RegistrationState.REGISTERED);

        registry.listed.set(false);

        await().atMost(WAIT).until(() -> registry.registrations.get() == 2);
        assertThat(registry.listed).isTrue();
    }

    /** Fails the first attempts on demand and records what it was asked. */
    private static final class FakeRegistry implements ReplicaRegistry {
        final AtomicInteger failuresLeft = new AtomicInteger();
        final AtomicInteger attempts = new AtomicInteger();
        final AtomicInteger registrations = new AtomicInteger();
        final AtomicInteger deregistrations = new AtomicInteger();
        final AtomicBoolean listed = new AtomicBoolean();
        final AtomicBoolean closed = new AtomicBoolean();
        final List<Long> attemptTimes = new CopyOnWriteArrayList<>();

        @Override
        public void register(ReplicaIdentity replica) {
            attempts.incrementAndGet();
            attemptTimes.add(System.nanoTime());
            if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new IllegalStateException("connection refused");
            }
            registrations.incrementAndGet();
            listed.set(true);
        }

        @Override
        public boolean isRegistered(ReplicaIdentity replica) {
            return listed.get();
        }

        @Override
        public void deregister(ReplicaIdentity replica) {
            deregistrations.incrementAndGet();
            listed.set(false);
        }

        @Override
        public void close() {
            closed.set(true);
        }

        @Override
        public String describe() {
            return "a fake registry";
        }

        List<Long> gapsMillis() {
            List<Long> gaps = new java.util.ArrayList<>();
            for (int i = 1; i < attemptTimes.size(); i++) {
                gaps.add((attemptTimes.get(i) - attemptTimes.get(i - 1)) / 1_000_000);
            }
            return gaps;
        }
    }
}
