package io.canarybalancer.balancer.route;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RotationTest {

    @Test
    void threeStableAndOneCanaryGiveTheCanaryExactlyOneRequestInFour() {
        Route route = Replicas.route(Replicas.policy(Strategy.REPLICAS, 0), 3, 1);

        Map<PoolRole, Long> split = pick(route, 400).stream()
                .collect(Collectors.groupingBy(Replica::role, Collectors.counting()));

        assertThat(split).containsEntry(PoolRole.CANARY, 100L).containsEntry(PoolRole.STABLE, 300L);
    }

    @Test
    void weightsTwoOneOneAreInterleavedNotBursty() {
        List<Replica> replicas = Replicas.of(PoolRole.STABLE, 2, 1, 1);
        Rotation rotation = Rotation.of(replicas);

        assertThat(rotation.cycle()).extracting(Replica::id)
                .containsExactly("stable-1", "stable-2", "stable-3", "stable-1");
        Map<String, Long> counts = new java.util.HashMap<>();
        for (int i = 0; i < 400; i++) {
            counts.merge(rotation.next().id(), 1L, Long::sum);
        }
        assertThat(counts).containsEntry("stable-1", 200L).containsEntry("stable-2", 100L)
                .containsEntry("stable-3", 100L);
    }

    @Test
    void sharesFollowWeightsAcrossBothPools() {
        List<Replica> all = new ArrayList<>(Replicas.of(PoolRole.STABLE, 3, 3));
        all.addAll(Replicas.of(PoolRole.CANARY, 2));
        Rotation rotation = Rotation.of(all);

        long canary = 0;
        for (int i = 0; i < 800; i++) {
            canary += rotation.next().role() == PoolRole.CANARY ? 1 : 0;
        }
        assertThat(canary).isEqualTo(200); // 2 of 8
    }

    @Test
    void weightsWithACommonDivisorShrinkTheCycle() {
        Rotation rotation = Rotation.of(Replicas.of(PoolRole.STABLE, 10, 20));

        assertThat(rotation.cycle()).hasSize(3);
    }

    @Test
    void hugeWeightsAreScaledToABoundedCycleKeepingProportions() {
        Rotation rotation = Rotation.of(
                Replicas.of(PoolRole.STABLE, 65535, 65534, 1));

        List<Replica> cycle = rotation.cycle();
        assertThat(cycle.size()).isLessThanOrEqualTo(Rotation.MAX_RING + 3);
        assertThat(cycle).extracting(Replica::id).contains("stable-3");
        long first = cycle.stream().filter(r -> r.id().equals("stable-1")).count();
        assertThat(first).isBetween(4990L, 5010L);
    }

    @Test
    void weightSumsDoNotOverflowWithTheLargestWeightOnManyReplicas() {
        int[] weights = new int[40_000];
        java.util.Arrays.fill(weights, Replica.MAX_WEIGHT);
        Pool pool = new Pool(PoolRole.STABLE, "service-v1", null, Replicas.of(PoolRole.STABLE, weights));

        assertThat(pool.totalWeight()).isEqualTo(40_000L * Replica.MAX_WEIGHT);
    }

    @Test
    void theLargestWeightsStillSplitByShare() {
        Route route = new Route("r", "/", Replicas.policy(Strategy.REPLICAS, 0),
                Replicas.pool(PoolRole.STABLE, Replica.MAX_WEIGHT, Replica.MAX_WEIGHT, Replica.MAX_WEIGHT),
                Replicas.pool(PoolRole.CANARY, Replica.MAX_WEIGHT));

        Map<PoolRole, Long> split = pick(route, 400).stream()
                .collect(Collectors.groupingBy(Replica::role, Collectors.counting()));
        assertThat(split).containsEntry(PoolRole.CANARY, 100L).containsEntry(PoolRole.STABLE, 300L);
    }

    @Test
    void aWeightAboveTheCapIsRefused() {
        assertThatThrownBy(() -> Replicas.of(PoolRole.STABLE, Replica.MAX_WEIGHT + 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("weight");
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 4, 16, 64})
    void everyReplicaGetsItsShareForAnySize(int size) {
        Route route = Replicas.route(Replicas.policy(Strategy.REPLICAS, 0), size - 1, 1);

        Map<String, Long> counts = pick(route, size * 10).stream()
                .collect(Collectors.groupingBy(Replica::id, Collectors.counting()));

        assertThat(counts).hasSize(size).allSatisfy((id, count) -> assertThat(count).isEqualTo(10L));
    }

    @Test
    void concurrentPicksStillSplitExactly() throws InterruptedException {
        Route route = Replicas.route(Replicas.policy(Strategy.REPLICAS, 0), 3, 1);
        int threads = 8;
        int perThread = 50;
        Map<PoolRole, AtomicInteger> split = new ConcurrentHashMap<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> {
                awaitQuietly(start);
                for (int i = 0; i < perThread; i++) {
                    Replica replica = route.select(FakeRequest.get("/version"));
                    split.computeIfAbsent(replica.role(), role -> new AtomicInteger()).incrementAndGet();
                }
            });
            worker.start();
            workers.add(worker);
        }
        start.countDown();
        for (Thread worker : workers) {
            worker.join();
        }

        assertThat(split.get(PoolRole.CANARY)).hasValue(100);
        assertThat(split.get(PoolRole.STABLE)).hasValue(300);
    }

    @Test
    void anEmptyRotationPicksNothing() {
        assertThat(Rotation.of(List.of())).isSameAs(Rotation.NONE);
        assertThat(Rotation.NONE.next()).isNull();
    }

    static List<Replica> pick(Route route, int count) {
        return pick(route, count, i -> FakeRequest.get("/version"));
    }

    static List<Replica> pick(Route route, int count, Function<Integer, RouteRequest> requests) {
        List<Replica> picks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            picks.add(route.select(requests.apply(i)));
        }
        return picks;
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
