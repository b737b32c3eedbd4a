package io.canarybalancer.balancer.route;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class StickyAssignmentTest {
    private static final StickyRule BY_USER = new StickyRule(StickyRule.Source.HEADER, "X-User-Id");
    private static final int USERS = 10_000;

    @Test
    void theSameKeyAlwaysGetsTheSamePoolUnderOneShare() {
        Route route = sticky(Strategy.WEIGHT, 30, 3, 2);
        for (int user = 0; user < 1_000; user++) {
            PoolRole first = route.select(user(user)).role();
            for (int again = 0; again < 5; again++) {
                assertThat(route.select(user(user)).role()).as("user %d", user).isEqualTo(first);
            }
        }
    }

    @Test
    void raisingTheShareFrom10To50PercentMovesAbout40PercentOfKeysToTheCanaryAndNoneBack() {
        Route at10 = sticky(Strategy.WEIGHT, 10, 3, 1);
        Route at50 = sticky(Strategy.WEIGHT, 50, 3, 1);
        int canaryAt10 = 0;
        int moved = 0;
        int movedBack = 0;
        for (int user = 0; user < USERS; user++) {
            boolean before = at10.select(user(user)).role() == PoolRole.CANARY;
            boolean after = at50.select(user(user)).role() == PoolRole.CANARY;
            canaryAt10 += before ? 1 : 0;
            moved += !before && after ? 1 : 0;
            movedBack += before && !after ? 1 : 0;
        }
        assertThat(canaryAt10).isBetween(900, 1_100);
        assertThat(moved).isBetween(3_800, 4_200);
        assertThat(movedBack).isZero();
    }

    @Test
    void everyStepOfARolloutOnlyMovesUsersTowardsTheCanary() {
        int[] steps = {0, 1, 5, 25, 50, 99, 100};
        boolean[] onCanary = new boolean[USERS];
        for (int step : steps) {
            Route route = sticky(Strategy.WEIGHT, step, 2, 2);
            int count = 0;
            for (int user = 0; user < USERS; user++) {
                boolean canary = route.select(user(user)).role() == PoolRole.CANARY;
                assertThat(!canary && onCanary[user]).as("user %d moved back at %d%%", user, step).isFalse();
                onCanary[user] = canary;
                count += canary ? 1 : 0;
            }
            assertThat(count).as("users on the canary at %d%%", step).isBetween(step * 100 - 200, step * 100 + 200);
        }
    }

    @Test
    void twoIndependentlyBuiltRoutesAgreeOnEveryKey() {
        Route one = sticky(Strategy.WEIGHT, 25, 3, 1);
        Route other = new Route("/", "/", Replicas.policy(Strategy.WEIGHT, 25).withSticky(BY_USER),
                Replicas.pool(PoolRole.STABLE, 1, 1, 1), Replicas.pool(PoolRole.CANARY, 1));
        for (int user = 0; user < USERS; user++) {
            assertThat(other.select(user(user)).role()).isEqualTo(one.select(user(user)).role());
        }
    }

    @Test
    void bucketsAreFixedNumbersThatDependOnlyOnRouteAndKey() {
        // Pinned (and checked against an independent implementation of the documented hash): a
        // change to the hash would reshuffle every user of a live rollout.
        assertThat(StickyRule.bucket("default", "user-1")).isEqualTo(5645);
        assertThat(StickyRule.bucket("default", "user-2")).isEqualTo(5751);
        assertThat(StickyRule.bucket("message", "user-1")).isEqualTo(7207);
        assertThat(StickyRule.bucket("credit", "user-1")).isEqualTo(1781);
        assertThat(StickyRule.bucket("default", new StringBuilder("user-1"))).isEqualTo(5645);
    }

    @Test
    void bucketsSpreadEvenly() {
        int[] perThousand = new int[10];
        for (int user = 0; user < 100_000; user++) {
            int bucket = StickyRule.bucket("default", "user-" + user);
            assertThat(bucket).isBetween(0, StickyRule.BUCKETS - 1);
            perThousand[bucket / 1_000]++;
        }
        for (int count : perThousand) {
            assertThat(count).isBetween(9_500, 10_500);
        }
    }

    @ParameterizedTest
    @EnumSource(Strategy.class)
    void requestsWithoutAKeyFollowTheStrategy(Strategy strategy) {
        Route plain = Replicas.route(Replicas.policy(strategy, 20), 3, 1);
        Route sticky = sticky(strategy, 20, 3, 1);
        for (int i = 0; i < 100; i++) {
            assertThat(sticky.select(FakeRequest.get("/")).id()).isEqualTo(plain.select(FakeRequest.get("/")).id());
        }
    }

    @Test
    void underTheReplicasStrategyTheCanaryShareOfUsersIsItsReplicaShare() {
        Route route = sticky(Strategy.REPLICAS, 0, 3, 1);
        assertThat(route.canaryBuckets()).isEqualTo(2_500);
        assertThat(sticky(Strategy.HEADER, 0, 3, 1).canaryBuckets()).isZero();
        assertThat(sticky(Strategy.WEIGHT, 7, 3, 1).canaryBuckets()).isEqualTo(700);
    }

    @Test
    void theHeaderFlagStillWinsForAKeyInTheStableBuckets() {
        Route route = sticky(Strategy.WEIGHT, 0, 2, 1);
        FakeRequest flagged = new FakeRequest("/", Map.of("x-user-id", "user-7", "x-canary", "1"));
        assertThat(route.select(user(7)).role()).isEqualTo(PoolRole.STABLE);
        assertThat(route.select(flagged).role()).isEqualTo(PoolRole.CANARY);
    }

    @Test
    void anEmptySideHandsItsUsersToTheOther() {
        Route noCanary = sticky(Strategy.WEIGHT, 100, 2, 0);
        Route noStable = sticky(Strategy.WEIGHT, 0, 0, 2);
        assertThat(noCanary.select(user(1)).role()).isEqualTo(PoolRole.STABLE);
        assertThat(noStable.select(user(1)).role()).isEqualTo(PoolRole.CANARY);
    }

    @Test
    void aHaltedCanaryGetsNoRequestAtAll() {
        RoutePolicy halted = new RoutePolicy(Strategy.WEIGHT, 0, HeaderRule.DEFAULT, Fallback.STABLE, BY_USER, true);
        Route route = new Route("/", "/", halted, Replicas.pool(PoolRole.STABLE, 1, 1), Replicas.pool(PoolRole.CANARY, 1));
        for (int user = 0; user < 1_000; user++) {
            assertThat(route.select(user(user)).role()).isEqualTo(PoolRole.STABLE);
            assertThat(route.select(FakeRequest.flagged("/", "X-Canary", "1")).role()).isEqualTo(PoolRole.STABLE);
        }
        assertThat(route.selectIn(PoolRole.CANARY)).isNull();
        assertThat(route.canaryBuckets()).isZero();
    }

    @Test
    void aHaltedCanaryWithRejectFallbackRefusesFlaggedRequests() {
        RoutePolicy halted = new RoutePolicy(Strategy.WEIGHT, 0, HeaderRule.DEFAULT, Fallback.REJECT, null, true);
        Route route = new Route("/", "/", halted, Replicas.pool(PoolRole.STABLE, 1), Replicas.pool(PoolRole.CANARY, 1));
        assertThat(route.select(FakeRequest.flagged("/", "X-Canary", "1"))).isNull();
        assertThat(route.select(FakeRequest.get("/")).role()).isEqualTo(PoolRole.STABLE);
    }

    @Test
    void aCookieKeyIsReadFromTheCookieHeader() {
        StickyRule byCookie = new StickyRule(StickyRule.Source.COOKIE, "canary_id");
        Route route = new Route("/", "/", Replicas.policy(Strategy.WEIGHT, 50).withSticky(byCookie),
                Replicas.pool(PoolRole.STABLE, 1), Replicas.pool(PoolRole.CANARY, 1));
        for (int user = 0; user < 200; user++) {
            FakeRequest withCookie = new FakeRequest("/", Map.of("cookie", "theme=dark; canary_id=user-" + user));
            PoolRole expected = StickyRule.bucket("/", "user-" + user) < 5_000 ? PoolRole.CANARY : PoolRole.STABLE;
            assertThat(route.select(withCookie).role()).isEqualTo(expected);
        }
    }

    private static Route sticky(Strategy strategy, int weight, int stable, int canary) {
        return Replicas.route(Replicas.policy(strategy, weight).withSticky(BY_USER), stable, canary);
    }

    private static FakeRequest user(int user) {
        return new FakeRequest("/", Map.of("x-user-id", "user-" + user));
    }
}
