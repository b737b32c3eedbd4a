package io.canarybalancer.bench.route;

import io.canarybalancer.balancer.route.Route;
import io.canarybalancer.balancer.route.RoutingTable;
import io.canarybalancer.balancer.route.Strategy;
import io.netty.util.AsciiString;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Longest-prefix route lookup for 1 to 100 routes: a path that only the root route covers, a path
 * under one of the others, and that path as the proxy hands it over, a view over the request's
 * bytes ({@link AsciiString}) rather than a {@code String}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RoutingTableLookupBenchmark {

    @Param({"1", "10", "100"})
    public int routes;

    private RoutingTable table;
    private final CharSequence bytes = new AsciiString("/service-1/api/users/42");

    @Setup(Level.Trial)
    public void setUp() {
        List<Route> list = new ArrayList<>();
        list.add(RouteFixtures.route("/", Strategy.REPLICAS, 4));
        for (int i = 1; i < routes; i++) {
            list.add(RouteFixtures.route("/service-" + i + "/api", Strategy.REPLICAS, 4));
        }
        table = RoutingTable.of(list);
    }

    @Benchmark
    public Route lookupFallsToRoot() {
        return table.find("/version?verbose=1");
    }

    @Benchmark
    public Route lookupHitsAPrefix() {
        return table.find("/service-1/api/users/42");
    }

    @Benchmark
    public Route lookupHitsAPrefixInBytes() {
        return table.find(bytes);
    }
}
