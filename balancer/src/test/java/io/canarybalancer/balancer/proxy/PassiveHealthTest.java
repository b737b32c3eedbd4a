package io.canarybalancer.balancer.proxy;

import io.canarybalancer.balancer.route.Pool;
import io.canarybalancer.balancer.route.PoolRole;
import io.canarybalancer.balancer.route.Replica;
import io.canarybalancer.balancer.route.Route;
import io.canarybalancer.balancer.route.RoutePolicy;
import io.canarybalancer.balancer.route.RoutingTable;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class PassiveHealthTest {
    private static final long MS = 1_000_000;
    final AtomicLong now = new AtomicLong(1_000 * MS);
    final PassiveHealth health = new PassiveHealth(Duration.ofMillis(100), Duration.ofMillis(350), now::get);
    final Replica replica = new Replica("stable-1", "127.0.0.1", 9001, 1, PoolRole.STABLE);
    final Replica other = new Replica("stable-2", "127.0.0.1", 9002, 1, PoolRole.STABLE);

    @Test
    void aFailureEjectsForTheBasePeriodThenTheReplicaComesBackByItself() {
        health.failed(replica, "connection refused");

        assertThat(health.isEjected(replica)).isTrue();
        assertThat(health.isEjected(other)).isFalse();
        now.addAndGet(99 * MS);
        assertThat(health.isEjected(replica)).isTrue();
        now.addAndGet(1 * MS);
        assertThat(health.isEjected(replica)).isFalse();
    }

    @Test
    void theEjectionDoublesWhileTheReplicaKeepsFailingUpToTheMaximum() {
        health.failed(replica, "refused");
        now.addAndGet(100 * MS);
        health.failed(replica, "refused");
        assertThat(health.ejections().get("127.0.0.1:9001").ejectedForMillis()).isEqualTo(200);
        now.addAndGet(200 * MS);
        health.failed(replica, "refused");
        assertThat(health.ejections().get("127.0.0.1:9001").ejectedForMillis()).isEqualTo(350);
        assertThat(health.ejections().get("127.0.0.1:9001").consecutiveFailures()).isEqualTo(3);
    }

    @Test
    void aSuccessForgivesAtOnce() {
        health.failed(replica, "reset");
        health.failed(replica, "reset");

        health.succeeded(replica);

        assertThat(health.isEjected(replica)).isFalse();
        assertThat(health.ejections()).isEmpty();
        health.failed(replica, "reset");
        assertThat(health.ejections().get("127.0.0.1:9001").ejectedForMillis()).isEqualTo(100);
    }

    @Test
    void theFailuresOfReplicasThatLeftTheTableAreForgotten() {
        health.failed(replica, "refused");
        health.failed(other, "refused");
        Pool stable = new Pool(PoolRole.STABLE, "service-v1", null, List.of(replica));
        Pool canary = new Pool(PoolRole.CANARY, "service-v2", null, List.of());
        RoutingTable table = RoutingTable.of(List.of(new Route("default", "/", RoutePolicy.defaults(), stable, canary)));

        health.retainAddressesOf(table);

        assertThat(health.ejections()).containsOnlyKeys("127.0.0.1:9001");
        assertThat(health.isEjected(replica)).isTrue();
        assertThat(health.isEjected(other)).isFalse();
    }
}
