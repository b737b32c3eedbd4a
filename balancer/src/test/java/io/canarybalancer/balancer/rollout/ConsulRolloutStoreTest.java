package io.canarybalancer.balancer.rollout;

import io.canarybalancer.balancer.discovery.consul.ConsulSettings;
import io.canarybalancer.balancer.route.RoutePolicy;
import io.canarybalancer.balancer.route.Strategy;
import io.canarybalancer.consuldouble.ConsulDouble;
import io.canarybalancer.consuldouble.fault.Fault;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The rollout state in KV, through the Consul double: what one instance writes, another reads whole. */
class ConsulRolloutStoreTest {
    private ConsulDouble consul;
    private ConsulRolloutStore writer;
    private ConsulRolloutStore reader;

    @BeforeEach
    void start() {
        consul = ConsulDouble.builder().jitter(false).start();
        writer = new ConsulRolloutStore(ConsulSettings.of(consul.url(), null, null), "canary-balancer/rollout/");
        reader = new ConsulRolloutStore(ConsulSettings.of(consul.url(), null, null), "canary-balancer/rollout/");
    }

    @AfterEach
    void stop() {
        writer.close();
        reader.close();
        consul.close();
    }

    @Test
    void anAutomaticRollbackReachesTheOtherInstanceWithItsReasonAndTime() throws Exception {
        LinkedBlockingQueue<Map<String, RolloutState>> seen = new LinkedBlockingQueue<>();
        writer.start(states -> { });
        reader.start(seen::add);
        Instant at = Instant.parse("2026-11-29T01:30:00.123Z");
        RolloutState start = new RolloutState(Strategy.WEIGHT, 25, false);

        RolloutState stored = writer.update("message", start,
                state -> state.autoRolledBack("canary 5xx rate 30.0% (30 of 100)", at));

        assertThat(stored.autoRollback().reason()).isEqualTo("canary 5xx rate 30.0% (30 of 100)");
        RolloutState read = awaitState(seen, "message", stored);
        assertThat(read.autoRollback().at()).isEqualTo(at);
        assertThat(read.applyTo(RoutePolicy.defaults()).canaryHalted()).isTrue();

        RolloutState lifted = writer.update("message", start, state -> state.withWeight(5).withPaused(false));
        assertThat(lifted.autoRollback()).as("an operator change lifts it").isNull();
        awaitState(seen, "message", lifted);
    }

    @Test
    void aWatchAnswerOlderThanThisInstancesOwnWriteDoesNotUndoIt() throws Exception {
        // Every watch answer is the state from before anything was stored, as a lagging server or
        // an answer read just before the write would give.
        consul.faults().matching(request -> request.param("recurse").isPresent()).always(Fault.staleAnswer("[]", 1));
        LinkedBlockingQueue<Map<String, RolloutState>> seen = new LinkedBlockingQueue<>();
        writer.start(seen::add);
        assertThat(faultedWatchAnswers(1)).isTrue();

        RolloutState written = writer.update("message", new RolloutState(Strategy.WEIGHT, 25, false),
                state -> state.autoRolledBack("canary 5xx rate 30.0%", Instant.now()));
        int before = consul.requests().await(request -> request.appliedFault().isPresent(), 1, Duration.ZERO).size();
        assertThat(faultedWatchAnswers(before + 3)).as("old answers after the write").isTrue();

        assertThat(seen).last().satisfies(states -> assertThat(states.get("message")).isEqualTo(written));
        seen.clear();
        consul.faults().clear();
        assertThat(consul.requests().await(request -> request.param("recurse").isPresent()
                && request.appliedFault().isEmpty(), 1, Duration.ofSeconds(10))).as("a true answer").isNotEmpty();
        assertThat(seen).allSatisfy(states -> assertThat(states.get("message")).isEqualTo(written));
    }

    private boolean faultedWatchAnswers(int count) {
        return consul.requests().await(request -> request.appliedFault().isPresent(), count,
                Duration.ofSeconds(10)).size() >= count;
    }

    /** Waits for the reader to be told {@code expected} for {@code route}; fails after 10 s without it. */
    private static RolloutState awaitState(LinkedBlockingQueue<Map<String, RolloutState>> seen, String route,
                                           RolloutState expected) throws InterruptedException {
        while (true) {
            Map<String, RolloutState> states = seen.poll(10, TimeUnit.SECONDS);
            assertThat(states).as("the reader told %s within 10 s", expected).isNotNull();
            if (expected.equals(states.get(route))) {
                return states.get(route);
            }
        }
    }
}
