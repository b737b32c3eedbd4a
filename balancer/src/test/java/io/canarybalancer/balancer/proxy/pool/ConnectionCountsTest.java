package io.canarybalancer.balancer.proxy.pool;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConnectionCountsTest {
    private static final InetSocketAddress A = InetSocketAddress.createUnresolved("10.0.0.1", 80);
    private static final InetSocketAddress B = InetSocketAddress.createUnresolved("10.0.0.2", 80);

    @Test
    void aCapLetsThatManyBeInUseAtOnceAndAPlaceGivenBackFreesOne() {
        ConnectionCounts counts = new ConnectionCounts(2);
        ConnectionCounts.Replica first = counts.reserve(A);
        assertThat(first).isNotNull();
        assertThat(counts.reserve(A)).isSameAs(first);
        assertThat(counts.full(A)).isTrue();
        assertThat(counts.reserve(A)).as("a third at a cap of 2").isNull();
        assertThat(counts.reserve(B)).as("the cap is per replica").isNotNull();
        assertThat(counts.full(B)).isFalse();

        first.give();

        assertThat(counts.full(A)).isFalse();
        assertThat(counts.reserve(A)).isNotNull();
        assertThat(counts.of(A).inUse()).isEqualTo(2);
        assertThat(counts.of(A).refused()).as("each refusal is counted").isEqualTo(1);
        assertThat(counts.of(B).refused()).isZero();
    }

    @Test
    void withoutACapNothingIsEverFullOrRefused() {
        ConnectionCounts counts = new ConnectionCounts(0);
        for (int i = 0; i < 1_000; i++) {
            assertThat(counts.reserve(A)).isNotNull();
        }
        assertThat(counts.full(A)).isFalse();
        assertThat(counts.of(A).inUse()).isEqualTo(1_000);
        assertThat(counts.of(A).refused()).isZero();
        assertThatThrownBy(() -> new ConnectionCounts(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aReplicaNeverConnectedToIsAllZeroAndNotFull() {
        ConnectionCounts counts = new ConnectionCounts(1);
        assertThat(counts.of(A)).isEqualTo(new ConnectionCounts.Counts(0, 0, 0, 0, 0, 0));
        assertThat(counts.full(A)).isFalse();
    }

    @Test
    void retainForgetsGoneReplicasOnlyOnceNothingOfThemIsOpenOrInUse() {
        ConnectionCounts counts = new ConnectionCounts(0);
        counts.replica(A).open.incrementAndGet(); // an idle connection
        counts.replica(A).opened.increment();
        counts.reserve(B).opened.increment(); // in use
        InetSocketAddress c = InetSocketAddress.createUnresolved("10.0.0.3", 80);
        counts.replica(c).opened.increment(); // opened and closed since

        counts.retain(Set.of());

        assertThat(counts.of(A).opened()).as("open: kept").isEqualTo(1);
        assertThat(counts.of(B).opened()).as("in use: kept").isEqualTo(1);
        assertThat(counts.of(c).opened()).as("gone and closed: forgotten").isZero();
        counts.retain(Set.of(A, B));
        assertThat(counts.of(A).opened()).isEqualTo(1);
    }

    @Test
    void theCapHoldsUnderConcurrentReservations() throws Exception {
        ConnectionCounts counts = new ConnectionCounts(5);
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Boolean>> reservations = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                reservations.add(() -> counts.reserve(A) != null);
            }
            long granted = 0;
            for (Future<Boolean> reservation : threads.invokeAll(reservations)) {
                granted += reservation.get() ? 1 : 0;
            }
            assertThat(granted).isEqualTo(5);
            assertThat(counts.of(A).inUse()).isEqualTo(5);
            assertThat(counts.of(A).refused()).isEqualTo(395);
        } finally {
            threads.shutdownNow();
        }
    }
}
