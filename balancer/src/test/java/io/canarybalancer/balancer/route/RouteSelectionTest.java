package io.canarybalancer.balancer.route;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.canarybalancer.balancer.route.RotationTest.pick;
import static org.assertj.core.api.Assertions.assertThat;

/** The three strategies, header flagging and fallback, as a route applies them. */
class RouteSelectionTest {

    @Test
    void headerStrategySendsOnlyFlaggedRequestsToTheCanary() {
        Route route = Replicas.route(Replicas.policy(Strategy.HEADER, 0), 3, 1);

        assertThat(pick(route, 400)).allMatch(replica -> replica.role() == PoolRole.STABLE);
        assertThat(pick(route, 400, i -> FakeRequest.flagged("/version", "x-canary", "1")))
                .allMatch(replica -> replica.role() == PoolRole.CANARY);
    }

    @Test
    void headerNameMatchesCaseInsensitivelyAndAnyValueByDefault() {
        Route route = Replicas.route(Replicas.policy(Strategy.HEADER, 0), 3, 1);

        assertThat(route.select(FakeRequest.flagged("/", "X-CANARY", "")).role()).isEqualTo(PoolRole.CANARY);
        assertThat(route.select(FakeRequest.flagged("/", "x-canary", "whatever")).role()).isEqualTo(PoolRole.CANARY);
        assertThat(route.select(FakeRequest.flagged("/", "x-other", "1")).role()).isEqualTo(PoolRole.STABLE);
    }

    @Test
    void aHeaderRuleWithAValueFlagsOnlyThatValue() {
        RoutePolicy policy = new RoutePolicy(Strategy.HEADER, 0, new HeaderRule("X-Mistery-Shopper", "yes"),
                Fallback.STABLE);
        Route route = Replicas.route(policy, 2, 1);

        assertThat(route.select(FakeRequest.flagged("/", "x-mistery-shopper", "YES")).role()).isEqualTo(PoolRole.CANARY);
        assertThat(route.select(FakeRequest.flagged("/", "x-mistery-shopper", "no")).role()).isEqualTo(PoolRole.STABLE);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 10, 25, 33, 50, 99, 100})
    void weightStrategyGivesTheCanaryExactlyItsPercentOverAFullCycle(int weight) {
        Route route = Replicas.route(Replicas.policy(Strategy.WEIGHT, weight), 3, 1);

        long canary = pick(route, 100).stream().filter(r -> r.role() == PoolRole.CANARY).count();

        assertThat(canary).isEqualTo(weight);
    }

    @Test
    void weightStrategyIgnoresReplicaCountsAndSpreadsCanaryPicks() {
        Route route = Replicas.route(Replicas.policy(Strategy.WEIGHT, 10), 1, 5);

        List<Replica> picks = pick(route, 20);

        assertThat(picks.stream().filter(r -> r.role() == PoolRole.CANARY).count()).isEqualTo(2);
        // one canary pick in each run of ten, not two in a row
        assertThat(picks.subList(0, 10).stream().filter(r -> r.role() == PoolRole.CANARY).count()).isEqualTo(1);
    }

    @Test
    void weightStrategyRotatesWithinEachPool() {
        Route route = Replicas.route(Replicas.policy(Strategy.WEIGHT, 50), 2, 2);

        assertThat(pick(route, 8)).extracting(Replica::id).containsOnly("stable-1", "stable-2", "canary-1", "canary-2")
                .filteredOn(id -> id.startsWith("canary")).containsExactly("canary-1", "canary-2", "canary-1", "canary-2");
    }

    @ParameterizedTest
    @ValueSource(strings = {"REPLICAS", "WEIGHT"})
    void flaggedRequestsReachTheCanaryUnderEveryStrategy(Strategy strategy) {
        Route route = Replicas.route(Replicas.policy(strategy, 5), 3, 1);

        assertThat(pick(route, 50, i -> FakeRequest.flagged("/", "X-Canary", "true")))
                .allMatch(replica -> replica.role() == PoolRole.CANARY);
    }

    @Test
    void flaggedRequestsFallBackToStableWhenNoCanaryIsHealthy() {
        Route route = Replicas.route(Replicas.policy(Strategy.HEADER, 0), 2, 0);

        assertThat(route.select(FakeRequest.flagged("/", "X-Canary", "1")).role()).isEqualTo(PoolRole.STABLE);
    }

    @Test
    void flaggedRequestsAreRejectedWhenFallbackIsRejectAndNoCanaryIsHealthy() {
        RoutePolicy policy = new RoutePolicy(Strategy.REPLICAS, 0, HeaderRule.DEFAULT, Fallback.REJECT);
        Route route = Replicas.route(policy, 2, 0);

        assertThat(route.select(FakeRequest.flagged("/", "X-Canary", "1"))).isNull();
        assertThat(route.select(FakeRequest.get("/"))).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"REPLICAS", "HEADER", "WEIGHT"})
    void aFullyPromotedCanaryServesEveryone(Strategy strategy) {
        Route route = Replicas.route(Replicas.policy(strategy, 10), 0, 2);

        assertThat(pick(route, 20)).allMatch(replica -> replica.role() == PoolRole.CANARY);
    }

    @ParameterizedTest
    @ValueSource(strings = {"REPLICAS", "HEADER", "WEIGHT"})
    void aRouteWithNoReplicaSelectsNothing(Strategy strategy) {
        Route route = Replicas.route(Replicas.policy(strategy, 10), 0, 0);

        assertThat(route.select(FakeRequest.get("/"))).isNull();
        assertThat(route.select(FakeRequest.flagged("/", "X-Canary", "1"))).isNull();
    }

    @ParameterizedTest(name = "{0}, {1} stable, {2} canary")
    @MethodSource("io.canarybalancer.balancer.route.AllowedPoolsTest#policies")
    void picksTheSameReplicasAsTheSelectorChainItReplaced(RoutePolicy policy, int stable, int canary) {
        Route route = Replicas.route(policy, stable, canary);
        ChainReference reference = new ChainReference(route);
        Random random = new Random(policy.toString().hashCode() * 31L + stable * 7L + canary);
        for (int step = 0; step < 400; step++) {
            int kind = random.nextInt(6);
            Replica expected;
            Replica actual;
            if (kind >= 4) { // a retry or an ejection skip, inside one pool
                PoolRole role = kind == 4 ? PoolRole.STABLE : PoolRole.CANARY;
                expected = reference.rotation(role).pick(null);
                actual = route.selectIn(role);
            } else {
                boolean flagged = (kind & 1) == 1;
                Map<String, String> headers = new HashMap<>();
                if (flagged) {
                    headers.put("x-canary", "1");
                }
                if (kind >= 2) {
                    headers.put("x-user-id", "user-" + random.nextInt(50));
                }
                FakeRequest request = new FakeRequest("/", headers);
                expected = reference.select.pick(request);
                actual = random.nextBoolean() ? route.select(request) : route.select(request, flagged);
            }
            assertThat(actual).as("step %d (%d)", step, kind).isEqualTo(expected);
        }
    }

    /**
     * The pick as the chain of selectors made it before the route flattened it into branches, kept as
     * the reference: a header selector over an optional sticky selector over the strategy's selector,
     * over each pool's rotation (laid out as {@link Rotation} lays it out), each with its own counter.
     */
    private static final class ChainReference {
        interface Pick {
            Replica pick(RouteRequest request);
        }

        private final Pick stable;
        private final Pick canary;
        final Pick select;

        ChainReference(Route route) {
            RoutePolicy policy = route.policy();
            stable = rotation(route.stable().replicas());
            canary = policy.canaryHalted() ? request -> null : rotation(route.canary().replicas());
            List<Replica> both = new ArrayList<>(route.stable().replicas());
            both.addAll(route.canary().replicas());
            Pick unflagged = switch (policy.strategy()) {
                case REPLICAS -> policy.canaryHalted() ? stable : rotation(both);
                case HEADER -> percentage(0);
                case WEIGHT -> percentage(policy.canaryWeight());
            };
            if (policy.sticky() != null) {
                Pick unkeyed = unflagged;
                unflagged = request -> {
                    CharSequence key = policy.sticky().key(request);
                    return key == null ? unkeyed.pick(request)
                            : either(StickyRule.bucket(route.name(), key) < route.canaryBuckets(), request);
                };
            }
            Pick strategy = unflagged;
            select = request -> {
                if (!policy.header().matches(request)) {
                    return strategy.pick(request);
                }
                Replica chosen = canary.pick(request);
                return chosen != null || policy.fallback() == Fallback.REJECT ? chosen : strategy.pick(request);
            };
        }

        Pick rotation(PoolRole role) {
            return role == PoolRole.STABLE ? stable : canary;
        }

        private static Pick rotation(List<Replica> replicas) {
            List<Replica> ring = Rotation.of(replicas).cycle();
            long[] position = {0};
            return request -> ring.isEmpty() ? null : ring.get((int) (position[0]++ % ring.size()));
        }

        private Pick percentage(int percent) {
            int length = 100 / Rotation.gcd(percent, 100);
            int share = percent / Rotation.gcd(percent, 100);
            long[] position = {0};
            return request -> {
                long i = position[0]++ % length;
                return either((i + 1) * share / length > i * share / length, request);
            };
        }

        private Replica either(boolean toCanary, RouteRequest request) {
            Replica chosen = (toCanary ? canary : stable).pick(request);
            return chosen != null ? chosen : (toCanary ? stable : canary).pick(request);
        }
    }
}
