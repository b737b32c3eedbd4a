package io.canarybalancer.balancer.rollout;

import io.canarybalancer.balancer.config.spec.PoolRef;
import io.canarybalancer.balancer.config.spec.RouteSpec;
import io.canarybalancer.balancer.discovery.Catalog;
import io.canarybalancer.balancer.discovery.ServiceInstance;
import io.canarybalancer.balancer.route.PoolRole;
import io.canarybalancer.balancer.route.Route;
import io.canarybalancer.balancer.route.RoutePolicy;
import io.canarybalancer.balancer.route.RoutingTableHolder;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class TableUpdaterTest {
    private static final RouteSpec ROUTE = new RouteSpec("message", "/", new PoolRef("service-v1", null),
            new PoolRef("service-v2", null), RoutePolicy.defaults());

    final RoutingTableHolder holder = new RoutingTableHolder();

    @Test
    void routesExistFromTheConfigurationBeforeDiscoveryAnswers() {
        new TableUpdater(holder, List.of(ROUTE));

        Route route = holder.get().find("/anything");
        assertThat(route).isNotNull();
        assertThat(route.name()).isEqualTo("message");
        assertThat(route.selectIn(PoolRole.STABLE)).isNull();
        assertThat(route.waiting()).contains("waiting for the first answer from discovery");
    }

    @Test
    void aSourceSaysWhyItsServicesAreNotKnownYetAndAnAnswerEndsTheWait() {
        TableUpdater updater = new TableUpdater(holder, List.of(ROUTE));

        updater.catalogChanged(Catalog.waiting(List.of("service-v1", "service-v2"),
                "waiting for Consul at http://127.0.0.1:1: connection refused"));
        assertThat(holder.get().route("message").waiting())
                .isEqualTo("waiting for Consul at http://127.0.0.1:1: connection refused");

        updater.catalogChanged(new Catalog(Map.of("service-v1", List.of(), "service-v2", List.of())));
        assertThat(holder.get().route("message").waiting()).isNull();
    }

    @Test
    void aKnownServiceWithNoInstanceIsNotWaiting() {
        TableUpdater updater = new TableUpdater(holder, List.of(ROUTE));

        updater.catalogChanged(new Catalog(Map.of("service-v1",
                List.of(new ServiceInstance("a", "10.0.0.1", 8080, List.of(), 1)))));

        assertThat(holder.get().route("message").waiting()).isNull();
        assertThat(holder.get().route("message").selectIn(PoolRole.STABLE).id()).isEqualTo("a");
    }
}
