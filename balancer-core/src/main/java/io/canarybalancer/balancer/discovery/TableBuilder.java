package io.canarybalancer.balancer.discovery;

import io.canarybalancer.balancer.config.spec.PoolRef;
import io.canarybalancer.balancer.config.spec.RouteSpec;
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
        return build(specs, catalog, RoutingTable.empty());
    }

    /**
     * Like {@link #build(List, Catalog)}, but a route whose prefix, policy and replicas are all
     * unchanged from {@code previous} is kept as it is, rotation positions included: a discovery
     * answer that changes nothing for a route cannot restart its rotation in mid-cycle, which
     * would make the split of requests in flight around it inexact.
     */
    public static RoutingTable build(List<RouteSpec> specs, Catalog catalog, RoutingTable previous) {
        List<Route> routes = new ArrayList<>(specs.size());
        for (RouteSpec spec : specs) {
            Pool stable = pool(PoolRole.STABLE, spec.stable(), catalog);
            Pool canary = pool(PoolRole.CANARY, spec.canary(), catalog);
            Route before = previous.route(spec.name());
            boolean unchanged = before != null && before.pathPrefix().equals(spec.pathPrefix())
                    && before.policy().equals(spec.policy()) && before.upstream().equals(spec.upstream())
                    && before.stable().equals(stable)
                    && before.canary().equals(canary);
            routes.add(unchanged ? before : new Route(spec.name(), spec.pathPrefix(), spec.policy(), spec.upstream(),
                    stable, canary));
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
        return new Pool(role, ref.service(), ref.tag(), replicas, catalog.pending(ref.service()));
    }
}
