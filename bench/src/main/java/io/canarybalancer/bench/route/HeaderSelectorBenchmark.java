package io.canarybalancer.bench.route;

import io.canarybalancer.balancer.route.HeaderRule;
import io.canarybalancer.balancer.route.RouteRequest;
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

import java.util.concurrent.TimeUnit;

/**
 * Matching the canary header against a realistic header block held in Netty's header map, the
 * way the proxy does it: by presence, and by a required value (compared ignoring case).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HeaderSelectorBenchmark {

    @Param({"false", "true"})
    public boolean flagged;

    @Param({"any", "value"})
    public String rule;

    private HeaderRule headerRule;
    private RouteRequest request;

    @Setup(Level.Trial)
    public void setUp() {
        headerRule = rule.equals("any") ? HeaderRule.DEFAULT : new HeaderRule("X-Canary", "1");
        request = RouteFixtures.request("/version", RouteFixtures.headers(flagged));
    }

    @Benchmark
    public boolean matches() {
        return headerRule.matches(request);
    }
}
