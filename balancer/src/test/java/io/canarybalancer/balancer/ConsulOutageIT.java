package io.canarybalancer.balancer;

import io.canarybalancer.balancer.config.BalancerConfig;
import io.canarybalancer.balancer.config.BalancerConfig.ConsulDiscovery;
import io.canarybalancer.balancer.discovery.consul.ConsulSettings;
import io.canarybalancer.balancer.discovery.consul.WatchState;
import io.canarybalancer.balancer.proxy.ProxySettings;
import io.canarybalancer.balancer.route.Route;
import io.canarybalancer.balancer.route.RoutingTable;
import io.canarybalancer.consuldouble.ConsulDouble;
import io.canarybalancer.consuldouble.catalog.ServiceSpec;
import io.canarybalancer.consuldouble.fault.Fault;
import io.canarybalancer.consuldouble.http.RecordedRequest;
import io.canarybalancer.testsupport.Http;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Consul misbehaving in every way the double can: traffic keeps flowing on the last good table, the
 * watch recovers by itself when the fault ends, and the balancer never hammers Consul meanwhile.
 * The balancer runs in this JVM so the test can read its watch state and routing table directly.
 */
class ConsulOutageIT {
    private static final Duration BACKOFF_MIN = Duration.ofMillis(60);
    private static final Duration MIN_INTERVAL = Duration.ofMillis(150);
    private static final int BURST = 3;
    /**
     * The calls made under a fault must spread over at least this long. Backoff (60, 120, 240 ms,
     * at least half each) or the rate limiter (a burst of 3, then one per 150 ms) spread them over
     * far more; a busy loop makes them in a few milliseconds. OkHttp silently repeats a call whose
     * connection broke, so connection-level faults are given twice the calls to count.
     */
    private static final Duration MIN_SPAN = Duration.ofMillis(150);
    private static final String WATCHED = "/v1/health/service/service-v1";

    ConsulDouble consul;
    final List<TestBackend> backends = new ArrayList<>();
    Balancer balancer;
    final Http http = new Http();

    @BeforeEach
    void start() throws Exception {
        consul = ConsulDouble.builder().jitter(false).start();
        register("stable-1");
        register("stable-2");
        startBalancer(Duration.ofMillis(500));
        awaitStable(2);
    }

    private void startBalancer(Duration blockingWait) throws Exception {
        ConsulSettings settings = new ConsulSettings(consul.url(), null, null, blockingWait,
                Duration.ofSeconds(2), BACKOFF_MIN, Duration.ofMillis(480), BURST, MIN_INTERVAL);
        BalancerConfig config = new BalancerConfig(null, new InetSocketAddress("127.0.0.1", 0),
                new InetSocketAddress("127.0.0.1", 0), new ConsulDiscovery(settings),
                List.of(BalancerConfig.seedRoute()), ProxySettings.defaults());
        balancer = Balancer.start(config);
    }

    @AfterEach
    void stop() {
        balancer.close();
        backends.forEach(TestBackend::close);
        consul.close();
    }

    static Stream<Arguments> faults() {
        return Stream.of(
                Arguments.of("500 No cluster leader", Fault.noLeader(), true, 6),
                Arguments.of("500 rpc error: no leader", Fault.rpcNoLeader(), true, 6),
                Arguments.of("500 No known Consul servers", Fault.noKnownServers(), true, 6),
                Arguments.of("429 rate limited", Fault.rateLimited(), true, 6),
                Arguments.of("403 ACL not found", Fault.aclNotFound(), true, 6),
                Arguments.of("connection closed", Fault.closeConnection(), true, 12),
                Arguments.of("connection reset", Fault.resetConnection(), true, 12),
                Arguments.of("reset mid-response", Fault.resetMidResponse(), true, 12),
                Arguments.of("malformed JSON", Fault.malformedJson(), true, 6),
                Arguments.of("missing Service.ID", Fault.removeField("Service.ID"), true, 6),
                Arguments.of("null Service.Address", Fault.nullField("Service.Address"), true, 6),
                Arguments.of("non-numeric index", Fault.indexHeader("garbage"), true, 6),
                Arguments.of("missing index", Fault.withoutIndexHeader(), false, 6),
                Arguments.of("index 0", Fault.indexHeader("0"), false, 6),
                Arguments.of("unknown leader, stale answer", Fault.unknownLeader(Duration.ofSeconds(30)), false, 6),
                Arguments.of("leader outage", Fault.leaderOutage(), false, 6));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("faults")
    void trafficFlowsOnTheLastGoodTableAndTheWatchRecovers(String name, Fault fault, boolean failsCalls, int calls)
            throws Exception {
        consul.requests().clear();
        consul.faults().onPath("/v1/health/").always(fault);

        List<RecordedRequest> faulted = consul.requests().await(
                request -> request.path().equals(WATCHED) && request.appliedFault().isPresent(),
                calls, Duration.ofSeconds(30));

        assertThat(faulted).as("calls answered with the fault").hasSize(calls);
        assertNoBusyLoop(faulted);
        assertTrafficFlowsToBoth();
        if (failsCalls) {
            assertThat(watch("service-v1").consecutiveFailures()).isPositive();
            assertThat(watch("service-v1").stale()).isTrue();
            assertThat(watch("service-v1").lastError()).isNotBlank();
        }

        consul.faults().clear();
        register("stable-3");

        awaitStable(3);
        awaitWatch("service-v1", state -> state.consecutiveFailures() == 0 && !state.stale());
        // all three serve (the exact split itself is SplitIT's and ConsulDiscoveryIT's business)
        assertThat(Http.tally(http.concurrentGets(baseUrl() + "/version", 30), HttpResponse::body))
                .containsOnlyKeys("stable-1", "stable-2", "stable-3");
    }

    @Test
    void connectionRefusedWhileTheAgentIsDown() throws Exception {
        consul.requests().clear();
        consul.stopListener();
        awaitWatch("service-v1", state -> state.consecutiveFailures() >= 3);

        assertTrafficFlowsToBoth();
        assertThat(watch("service-v1").stale()).isTrue();

        consul.startListener();
        register("stable-3");
        awaitStable(3);
        awaitWatch("service-v1", state -> !state.stale());
    }

    @Test
    void anAgentThatHangsPastTheReadTimeoutIsAbandonedAndRetried() throws Exception {
        consul.faults().onPath("/v1/health/").always(Fault.hang());
        // Each hung call is given up after wait + wait/16 + 2 s; wait for the second one to hang.
        assertThat(consul.awaitHanging(2, Duration.ofSeconds(20))).isTrue();
        awaitWatch("service-v1", state -> state.consecutiveFailures() >= 1);

        assertTrafficFlowsToBoth();

        consul.faults().clear();
        register("stable-3");
        awaitStable(3);
    }

    @Test
    void anIndexMovedBackwardsIsReadAfreshAndChangesStillArrive() throws Exception {
        consul.requests().clear();
        consul.restoreSnapshot(1);

        List<RecordedRequest> after = consul.requests().await(
                request -> request.path().equals(WATCHED)
                        && request.param("index").isEmpty(), 1, Duration.ofSeconds(10));
        assertThat(after).as("a fresh read without index after the reset").hasSize(1);

        register("stable-3");
        awaitStable(3);
    }

    @Test
    void anAgentThatLostItsStateDoesNotEmptyThePoolAtOnce() throws Exception {
        // A dev agent restarting: down for a moment, back with no services and a low index.
        consul.stopListener();
        awaitWatch("service-v1", state -> state.consecutiveFailures() >= 1);
        consul.deregister("stable-1");
        consul.deregister("stable-2");
        consul.restoreSnapshot(1);
        consul.startListener();

        awaitWatch("service-v1", WatchState::holdingReplicas);
        assertTrafficFlowsToBoth();

        register("stable-1"); // the replica registers again within the grace period
        awaitWatch("service-v1", state -> !state.holdingReplicas() && state.replicas() == 1);
        assertThat(Http.tally(http.concurrentGets(baseUrl() + "/version", 10), HttpResponse::body))
                .isEqualTo(Map.of("stable-1", 10L));
    }

    /**
     * Each change must reach the table through the blocking query that was parked when it happened:
     * no other query of the service runs in between, and it takes less than the configured blocking
     * wait (30 s here), which a change seen only when the query times out would need in full. The
     * latencies are printed for the README; they are not asserted, so a loaded machine cannot fail it.
     */
    @Test
    void aChangeReachesTheRoutingTableQuickly() throws Exception {
        Duration blockingWait = Duration.ofSeconds(30);
        balancer.close();
        startBalancer(blockingWait);
        awaitStable(2);
        AtomicInteger expected = new AtomicInteger();
        AtomicLong publishedAt = new AtomicLong();
        // timed on the publishing thread; a table the other service's watch publishes meanwhile is skipped
        balancer.routes().onChange(table -> {
            if (route(table).stable().replicas().size() == expected.get()) {
                publishedAt.compareAndSet(0, System.nanoTime());
            }
        });
        List<Long> micros = new ArrayList<>();
        for (int i = 3; i <= 22; i++) {
            assertThat(consul.awaitBlocked(WATCHED, 1, Duration.ofSeconds(5))).isTrue();
            int queriesBefore = consul.requests().forPath(WATCHED).size();
            publishedAt.set(0);
            expected.set(i);
            ServiceSpec instance = instance(new TestBackend("stable-" + i));
            long registered = System.nanoTime();
            consul.register(instance);
            await().atMost(blockingWait).until(() -> publishedAt.get() != 0);
            long published = publishedAt.get();
            micros.add((published - registered) / 1_000);
            assertThat(Duration.ofNanos(published - registered)).as("change %d reached the table", i)
                    .isLessThan(blockingWait);
            assertThat(consul.requests().forPath(WATCHED).size() - queriesBefore)
                    .as("queries of %s started between change %d and its table (only the next blocking one)", WATCHED, i)
                    .isLessThanOrEqualTo(1);
        }
        List<Long> sorted = micros.stream().sorted().toList();
        String report = String.format("Consul change to routing table (register in the double -> table published),"
                        + " 20 samples: median %.2f ms, p90 %.2f ms, max %.2f ms",
                sorted.get(10) / 1000.0, sorted.get(18) / 1000.0, sorted.get(19) / 1000.0);
        System.out.println(report);
        org.slf4j.LoggerFactory.getLogger(ConsulOutageIT.class).info(report);
    }

    @Test
    void closingTheBalancerLeavesNoNonDaemonThreadBehind() throws Exception {
        balancer.close();

        List<Thread> leftovers = Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .filter(thread -> !thread.isDaemon())
                .filter(thread -> thread != Thread.currentThread())
                .filter(thread -> thread.getName().startsWith("balancer-") || thread.getName().startsWith("consul-")
                        || thread.getName().startsWith("OkHttp") || thread.getName().startsWith("replica-"))
                .toList();
        assertThat(leftovers).isEmpty();
        assertThat(Thread.getAllStackTraces().keySet())
                .noneMatch(thread -> thread.isAlive() && thread.getName().startsWith("consul-watch-"));
        balancer = Balancer.start(new BalancerConfig(null, new InetSocketAddress("127.0.0.1", 0),
                new InetSocketAddress("127.0.0.1", 0), new ConsulDiscovery(ConsulSettings.of(consul.url(), null, null)),
                List.of(BalancerConfig.seedRoute()), ProxySettings.defaults())); // for @AfterEach
    }

    private void assertNoBusyLoop(List<RecordedRequest> calls) {
        long span = calls.get(calls.size() - 1).nanoTime() - calls.get(0).nanoTime();
        assertThat(Duration.ofNanos(span)).as("time taken by %d calls under the fault", calls.size())
                .isGreaterThanOrEqualTo(MIN_SPAN);
    }

    private void assertTrafficFlowsToBoth() {
        List<HttpResponse<String>> responses = http.concurrentGets(baseUrl() + "/version", 20);
        assertThat(Http.tally(responses, HttpResponse::body)).isEqualTo(Map.of("stable-1", 10L, "stable-2", 10L));
    }

    private void register(String name) throws InterruptedException {
        consul.register(instance(new TestBackend(name)));
    }

    private ServiceSpec instance(TestBackend backend) {
        backends.add(backend);
        return ServiceSpec.instance(backend.name(), "service-v1").address("127.0.0.1").port(backend.port()).passing();
    }

    private void awaitStable(int replicas) {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(route(balancer.routes().get()))
                .as("the default route").isNotNull()
                .extracting(route -> route.stable().replicas().size()).as("stable replicas").isEqualTo(replicas));
    }

    private void awaitWatch(String service, Predicate<WatchState> condition) {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(watch(service)).matches(condition));
    }

    private WatchState watch(String service) {
        return balancer.watchStates().stream().filter(state -> state.service().equals(service)).findFirst().orElseThrow();
    }

    private static Route route(RoutingTable table) {
        return table.route("default");
    }

    private String baseUrl() {
        return "http://127.0.0.1:" + balancer.localAddress().getPort();
    }
}
