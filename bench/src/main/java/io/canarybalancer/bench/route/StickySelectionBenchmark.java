package io.canarybalancer.bench.route;

import io.canarybalancer.balancer.route.Replica;
import io.canarybalancer.balancer.route.Route;
import io.canarybalancer.balancer.route.RouteRequest;
import io.canarybalancer.balancer.route.StickyRule;
import io.canarybalancer.balancer.route.Strategy;
import io.netty.handler.codec.http.HttpHeaders;
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
 * One sticky routing decision: reading the user's key from a header or from the {@code Cookie}
 * header, hashing it into its bucket, and picking from the side it falls on (16 replicas, 10%
 * canary). Compare with {@link RouteSelectionBenchmark}'s un-keyed pick.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class StickySelectionBenchmark {

    @Param({"HEADER", "COOKIE"})
    public StickyRule.Source source;

    private Route route;
    private RouteRequest request;

    @Setup(Level.Trial)
    public void setUp() {
        StickyRule rule = new StickyRule(source, source == StickyRule.Source.HEADER ? "X-User-Id" : "canary_id");
        Route plain = RouteFixtures.route("/", Strategy.WEIGHT, 16);
        route = new Route("/", "/", plain.policy().withSticky(rule), plain.stable(), plain.canary());
        HttpHeaders headers = RouteFixtures.headers(false)
                .set("Cookie", "session=0123456789abcdef; canary_id=9f86d081884c7d659a2feaa0c55ad015; theme=dark")
                .add("X-User-Id", "5b1e8d52-6f3a-4c1e-8a47-2d9b0c7e1f36");
        request = RouteFixtures.request("/version", headers);
    }

    @Benchmark
    public Replica pick() {
        return route.select(request);
    }
}
