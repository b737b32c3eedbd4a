package io.canarybalancer.balancer.discovery;

import io.canarybalancer.balancer.route.Pool;
import io.canarybalancer.balancer.route.PoolRole;
import io.canarybalancer.balancer.route.Replica;
import io.canarybalancer.balancer.route.Route;
import io.canarybalancer.balancer.route.RoutingTable;

import java.util.ArrayList;
import java.util.List;

/** Turns configured routes and a discovery catalog into a routing table. A pure function. */
public final class TableBuilder {

    private TableBuilder() {
    }

    public static RoutingTable build(List<RouteSpec> specs, Catalog catalog) {
        List<Route> routes = new ArrayList<>(specs.size());
        for (RouteSpec spec : specs) {
            routes.add(new Route(spec.name(), spec.pathPrefix(), spec.policy(),
                    pool(PoolRole.STABLE, spec.stable(), catalog),
                    pool(PoolRole.CANARY, spec.canary(), catalog)));
        }
        return RoutingTable.of(routes);
    }

    static Pool pool(PoolRole role, PoolRef ref, Catalog catalog) {
        List<Replica> replicas = new ArrayList<>();
        for (ServiceInstance instance : catalog.instances(ref.service())) {
            if (instance.hasTag(ref.tag())) {
                replicas.add(new Replica(instance.id(), instance.address(), instance.port(), instance.weight(), role));
            }
        }
        return new Pool(role, ref.service(), ref.tag(), replicas);
    }
}
