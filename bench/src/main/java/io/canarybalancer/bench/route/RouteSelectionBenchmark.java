package io.canarybalancer.bench.route;

import io.canarybalancer.balancer.route.Fallback;
import io.canarybalancer.balancer.route.HeaderRule;
import io.canarybalancer.balancer.route.PoolRole;
import io.canarybalancer.balancer.route.Replica;
import io.canarybalancer.balancer.route.Route;
import io.canarybalancer.balancer.route.RoutePolicy;
import io.canarybalancer.balancer.route.RouteRequest;
import io.canarybalancer.balancer.route.StickyRule;
import io.canarybalancer.balancer.route.Strategy;
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
 * One routing decision, {@code Route.select}, under each strategy and replica count: the work the
 * proxy does per request once the route is known. Un-flagged requests take the strategy's own path;
 * flagged ones test the header rule first and go to the canary rotation. The design target is
 * 25 ns and 0 bytes allocated per pick (check with {@code -prof gc}).
 *
 * <p>{@link #pick} is the decision as it stands alone: one route in the JVM, the header matched inside.
 * {@link #pickAsTheProxyDoes} is the call the proxy makes, {@code Route.select(request, flagged)} with
 * the flag matched once by the caller, in a JVM that has also run routes of every other kind (each
 * strategy, sticky, a halted canary, an empty pool), as a balancer with several routes does: the
 * JIT then compiles the pick against what it has seen at every call site the routes share.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RouteSelectionBenchmark {

    @Param({"REPLICAS", "HEADER", "WEIGHT"})
    public Strategy strategy;

    @Param({"2", "4", "16", "64"})
    public int replicas;

    @Param({"false", "true"})
    public boolean flagged;

    private Route route;
    private RouteRequest request;

    @Setup(Level.Trial)
    public void setUp() {
        route = RouteFixtures.route("/", strategy, replicas);
        request = RouteFixtures.request("/version", RouteFixtures.headers(flagged));
    }

    @Benchmark
    public Replica pick() {
        return route.select(request);
    }

    @Benchmark
    public Replica pickAsTheProxyDoes(OtherRoutes others) {
        return route.select(request, flagged);
    }

    /** Routes of every other kind, each picked from often enough to reach the JIT's profiles before warm-up. */
    @State(Scope.Benchmark)
    public static class OtherRoutes {
        private static final int PICKS = 20_000;

        @Setup(Level.Trial)
        public void run() {
            RouteRequest plain = RouteFixtures.request("/version", RouteFixtures.headers(false));
            RouteRequest flagged = RouteFixtures.request("/version", RouteFixtures.headers(true));
            RouteRequest user = RouteFixtures.request("/version",
                    RouteFixtures.headers(false).add("X-User-Id", "5b1e8d52-6f3a-4c1e-8a47-2d9b0c7e1f36"));
            StickyRule sticky = new StickyRule(StickyRule.Source.HEADER, "X-User-Id");
            for (Strategy strategy : Strategy.values()) {
                Route plainRoute = RouteFixtures.route("/", strategy, 8);
                RoutePolicy policy = plainRoute.policy();
                RoutePolicy halted = new RoutePolicy(strategy, policy.canaryWeight(), HeaderRule.DEFAULT,
                        Fallback.STABLE, null, true);
                Route[] routes = {
                        plainRoute,
                        new Route("/", "/", policy.withSticky(sticky), plainRoute.stable(), plainRoute.canary()),
                        new Route("/", "/", halted, plainRoute.stable(), plainRoute.canary()),
                        new Route("/", "/", policy, RouteFixtures.pool(PoolRole.STABLE, 0), plainRoute.canary()),
                };
                for (Route route : routes) {
                    for (int i = 0; i < PICKS; i++) {
                        route.select(plain, false);
                        route.select(flagged, true);
                        route.select(user, false);
                    }
                }
            }
        }
    }
}
