package io.canarybalancer.balancer.route;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static io.canarybalancer.balancer.route.WeightedRoundRobinSelectorTest.pick;
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
}
