package io.canarybalancer.balancer.discovery;

import io.canarybalancer.balancer.config.spec.PoolRef;
import io.canarybalancer.balancer.config.spec.RouteSpec;
import io.canarybalancer.balancer.route.BackendTls;
import io.canarybalancer.balancer.route.PoolRole;
import io.canarybalancer.balancer.route.Replica;
import io.canarybalancer.balancer.route.Route;
import io.canarybalancer.balancer.route.RoutePolicy;
import io.canarybalancer.balancer.route.RoutingTable;
import io.canarybalancer.balancer.route.Upstream;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class TableBuilderTest {
    private final Catalog catalog = new Catalog(Map.of(
            "service-v1", List.of(
                    new ServiceInstance("m1", "10.0.0.1", 8080, List.of("message"), 1),
                    new ServiceInstance("c1", "10.0.0.2", 8080, List.of("Credit"), 3),
                    new ServiceInstance("m2", "10.0.0.3", 8080, List.of("message", "eu"), 1)),
            "service-v2", List.of(
                    new ServiceInstance("m9", "10.0.0.9", 8080, List.of("message"), 1))));

    @Test
    void poolsAreFilteredByServiceAndTag() {
        RoutingTable table = TableBuilder.build(List.of(
                spec("message", "/", "message"),
                spec("credit", "/credit", "credit")), catalog);

        Route message = table.route("message");
        assertThat(message.stable().replicas()).extracting(Replica::id).containsExactly("m1", "m2");
        assertThat(message.canary().replicas()).extracting(Replica::id).containsExactly("m9");
        Route credit = table.route("credit");
        assertThat(credit.stable().replicas()).singleElement()
                .satisfies(replica -> {
                    assertThat(replica.weight()).isEqualTo(3);
                    assertThat(replica.role()).isEqualTo(PoolRole.STABLE);
                    assertThat(replica.address().getPort()).isEqualTo(8080);
                });
        assertThat(credit.canary().isEmpty()).isTrue();
    }

    @Test
    void withoutATagEveryInstanceOfTheServiceCounts() {
        RoutingTable table = TableBuilder.build(List.of(spec("all", "/", null)), catalog);

        assertThat(table.route("all").stable().replicas()).hasSize(3);
    }

    @Test
    void anUnknownServiceGivesAnEmptyPool() {
        RoutingTable table = TableBuilder.build(List.of(new RouteSpec("x", "/", new PoolRef("nope", null),
                new PoolRef("nope-either", null), RoutePolicy.defaults())), catalog);

        assertThat(table.route("x").stable().isEmpty()).isTrue();
        assertThat(table.route("x").canary().service()).isEqualTo("nope-either");
    }

    @Test
    void anUnchangedRouteKeepsItsRotationAcrossARebuild() {
        List<RouteSpec> specs = List.of(spec("message", "/", "message"), spec("credit", "/credit", "credit"));
        RoutingTable first = TableBuilder.build(specs, catalog);
        Catalog creditChanged = new Catalog(Map.of(
                "service-v1", List.of(catalog.instances("service-v1").get(0), catalog.instances("service-v1").get(2)),
                "service-v2", catalog.instances("service-v2")));

        RoutingTable same = TableBuilder.build(specs, catalog, first);
        RoutingTable changed = TableBuilder.build(specs, creditChanged, first);

        assertThat(same.route("message")).isSameAs(first.route("message"));
        assertThat(changed.route("message")).isSameAs(first.route("message"));
        assertThat(changed.route("credit")).isNotSameAs(first.route("credit"));
        assertThat(changed.route("credit").stable().isEmpty()).isTrue();
    }

    @Test
    void aRoutesBackendTlsReachesItsRouteAndAChangeOfItRebuildsTheRoute() {
        RouteSpec plain = spec("message", "/", "message");
        RouteSpec tls = new RouteSpec("message", "/", plain.stable(), plain.canary(), plain.policy(), null,
                Upstream.http1(BackendTls.DEFAULT));
        RoutingTable first = TableBuilder.build(List.of(plain), catalog);

        RoutingTable secured = TableBuilder.build(List.of(tls), catalog, first);

        assertThat(first.route("message").backendTls()).isNull();
        assertThat(secured.route("message")).isNotSameAs(first.route("message"));
        assertThat(secured.route("message").backendTls()).isEqualTo(BackendTls.DEFAULT);
        assertThat(TableBuilder.build(List.of(tls.withPolicy(plain.policy())), catalog, secured).route("message"))
                .as("unchanged, TLS included").isSameAs(secured.route("message"));
    }

    private static RouteSpec spec(String name, String prefix, String tag) {
        return new RouteSpec(name, prefix, new PoolRef("service-v1", tag), new PoolRef("service-v2", tag),
                RoutePolicy.defaults());
    }
}
