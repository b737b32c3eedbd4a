package io.canarybalancer.bench.route;

import io.canarybalancer.balancer.config.spec.PoolRef;
import io.canarybalancer.balancer.config.spec.RouteSpec;
import io.canarybalancer.balancer.discovery.Catalog;
import io.canarybalancer.balancer.discovery.ServiceInstance;
import io.canarybalancer.balancer.discovery.TableBuilder;
import io.canarybalancer.balancer.route.RoutePolicy;
import io.canarybalancer.balancer.route.RoutingTable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A full routing-table rebuild from a catalog of 1,000 replicas (two routes filtering by tag), as
 * discovery does on every Consul change: tag filtering, replica objects, rotations laid out.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TableRebuildBenchmark {
    private List<RouteSpec> specs;
    private Catalog catalog;

    @Setup(Level.Trial)
    public void setUp() {
        List<ServiceInstance> stable = new ArrayList<>();
        List<ServiceInstance> canary = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            List<ServiceInstance> side = i % 4 == 0 ? canary : stable;
            String tag = i % 2 == 0 ? "message" : "credit";
            side.add(new ServiceInstance("replica-" + i, "10.1." + (i / 250) + "." + (i % 250 + 1), 8080,
                    List.of(tag), 1 + i % 3));
        }
        catalog = new Catalog(Map.of("service-v1", stable, "service-v2", canary));
        specs = List.of(
                new RouteSpec("credit", "/credit", new PoolRef("service-v1", "credit"), new PoolRef("service-v2", "credit"),
                        RoutePolicy.defaults()),
                new RouteSpec("message", "/", new PoolRef("service-v1", "message"), new PoolRef("service-v2", "message"),
                        RoutePolicy.defaults()));
    }

    @Benchmark
    public RoutingTable rebuild() {
        return TableBuilder.build(specs, catalog);
    }
}
