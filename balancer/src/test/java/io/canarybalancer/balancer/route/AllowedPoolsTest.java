package io.canarybalancer.balancer.route;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** Which pools a route lets each request use: the bound that retries and ejection skips keep to. */
class AllowedPoolsTest {
    private static final StickyRule BY_USER = new StickyRule(StickyRule.Source.HEADER, "X-User-Id");
    private static final FakeRequest PLAIN = FakeRequest.get("/");
    private static final FakeRequest FLAGGED = FakeRequest.flagged("/", "X-Canary", "1");

    @Test
    void headerStrategyKeepsUnflaggedRequestsOnStable() {
        Route route = Replicas.route(Replicas.policy(Strategy.HEADER, 0), 2, 2);

        assertThat(route.allowedPools(PLAIN)).isEqualTo(AllowedPools.STABLE);
        assertThat(route.allowedPools(FLAGGED)).isEqualTo(AllowedPools.BOTH); // fallback: stable
    }

    @Test
    void weightZeroKeepsUnflaggedRequestsOffTheCanaryAndWeightHundredOffStable() {
        assertThat(Replicas.route(Replicas.policy(Strategy.WEIGHT, 0), 2, 2).allowedPools(PLAIN))
                .isEqualTo(AllowedPools.STABLE);
        assertThat(Replicas.route(Replicas.policy(Strategy.WEIGHT, 100), 2, 2).allowedPools(PLAIN))
                .isEqualTo(AllowedPools.CANARY);
        assertThat(Replicas.route(Replicas.policy(Strategy.WEIGHT, 25), 2, 2).allowedPools(PLAIN))
                .isEqualTo(AllowedPools.BOTH);
        assertThat(Replicas.route(Replicas.policy(Strategy.REPLICAS, 0), 2, 2).allowedPools(PLAIN))
                .isEqualTo(AllowedPools.BOTH);
    }

    @Test
    void fallbackRejectKeepsFlaggedRequestsOffStable() {
        RoutePolicy policy = new RoutePolicy(Strategy.HEADER, 0, HeaderRule.DEFAULT, Fallback.REJECT);

        assertThat(Replicas.route(policy, 2, 2).allowedPools(FLAGGED)).isEqualTo(AllowedPools.CANARY);
        assertThat(Replicas.route(policy, 2, 0).allowedPools(FLAGGED)).isEqualTo(AllowedPools.CANARY);
    }

    @Test
    void aHaltedCanaryIsAllowedToNobody() {
        RoutePolicy halted = new RoutePolicy(Strategy.WEIGHT, 0, HeaderRule.DEFAULT, Fallback.STABLE, BY_USER, true);
        RoutePolicy haltedReject = new RoutePolicy(Strategy.REPLICAS, 0, HeaderRule.DEFAULT, Fallback.REJECT,
                null, true);

        assertThat(Replicas.route(halted, 2, 2).allowedPools(FLAGGED)).isEqualTo(AllowedPools.STABLE);
        assertThat(Replicas.route(halted, 2, 2).allowedPools(user("anyone"))).isEqualTo(AllowedPools.STABLE);
        assertThat(Replicas.route(haltedReject, 2, 2).allowedPools(FLAGGED)).isEqualTo(AllowedPools.NONE);
        assertThat(Replicas.route(haltedReject, 2, 2).allowedPools(PLAIN)).isEqualTo(AllowedPools.STABLE);
    }

    @Test
    void aKeyedUserMayUseItsOwnSideOnly() {
        Route route = Replicas.route(Replicas.policy(Strategy.WEIGHT, 50).withSticky(BY_USER), 2, 2);
        int[] perSide = new int[2];
        for (int i = 0; i < 200; i++) {
            String key = "user-" + i;
            boolean canary = StickyRule.bucket(route.name(), key) < route.canaryBuckets();
            perSide[canary ? 1 : 0]++;

            assertThat(route.allowedPools(user(key))).as(key)
                    .isEqualTo(canary ? AllowedPools.CANARY : AllowedPools.STABLE);
        }
        assertThat(perSide).as("users per side").doesNotContain(0);
        assertThat(route.allowedPools(PLAIN)).as("no key: the weight decides").isEqualTo(AllowedPools.BOTH);
    }

    @Test
    void aPoolThatDiscoveryLeftEmptyHandsItsRequestsToTheOther() {
        Route promoted = Replicas.route(Replicas.policy(Strategy.HEADER, 0).withSticky(BY_USER), 0, 2);
        Route notDeployed = Replicas.route(Replicas.policy(Strategy.WEIGHT, 100).withSticky(BY_USER), 2, 0);

        assertThat(promoted.allowedPools(PLAIN)).isEqualTo(AllowedPools.CANARY);
        assertThat(promoted.allowedPools(user("anyone"))).isEqualTo(AllowedPools.CANARY);
        assertThat(notDeployed.allowedPools(PLAIN)).isEqualTo(AllowedPools.STABLE);
        assertThat(notDeployed.allowedPools(user("anyone"))).isEqualTo(AllowedPools.STABLE);
    }

    static Stream<Arguments> policies() {
        List<Arguments> all = new ArrayList<>();
        for (Strategy strategy : Strategy.values()) {
            for (int weight : new int[] {0, 30, 100}) {
                for (Fallback fallback : Fallback.values()) {
                    for (StickyRule sticky : new StickyRule[] {null, BY_USER}) {
                        for (boolean halted : new boolean[] {false, true}) {
                            for (int[] sizes : new int[][] {{2, 2}, {0, 2}, {2, 0}, {0, 0}}) {
                                all.add(arguments(new RoutePolicy(strategy, weight, HeaderRule.DEFAULT, fallback,
                                        sticky, halted), sizes[0], sizes[1]));
                            }
                        }
                    }
                }
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0}, {1} stable, {2} canary")
    @MethodSource("policies")
    void everyPickOfTheRouteIsInsideItsAllowedPools(RoutePolicy policy, int stable, int canary) {
        Route route = Replicas.route(policy, stable, canary);
        List<RouteRequest> requests = new ArrayList<>(List.of(PLAIN, FLAGGED));
        for (int i = 0; i < 40; i++) {
            requests.add(user("user-" + i));
            requests.add(new FakeRequest("/", Map.of("x-user-id", "user-" + i, "x-canary", "1")));
        }
        for (RouteRequest request : requests) {
            for (int again = 0; again < 10; again++) {
                Replica picked = route.select(request);
                AllowedPools allowed = route.allowedPools(request);
                if (picked == null) {
                    continue;
                }
                assertThat(allowed.allows(picked.role())).as("%s picked for %s, allowed %s", picked, request, allowed)
                        .isTrue();
            }
        }
    }

    private static FakeRequest user(String key) {
        return FakeRequest.flagged("/", "X-User-Id", key);
    }
}
