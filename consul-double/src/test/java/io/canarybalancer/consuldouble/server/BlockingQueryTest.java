package io.canarybalancer.consuldouble.server;

import io.canarybalancer.consuldouble.ConsulAnswer;
import io.canarybalancer.consuldouble.ConsulDouble;
import io.canarybalancer.consuldouble.catalog.ServiceSpec;
import io.canarybalancer.testsupport.Http;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** Blocking-query semantics: when a read with {@code index=N} is held and when it returns. */
class BlockingQueryTest {

    private static final Duration AWAIT = Duration.ofSeconds(5);

    @AutoClose
    private final ConsulDouble consul = ConsulDouble.builder().jitter(false).start();
    private final Http http = new Http(consul.url());

    @Test
    void noIndexOrIndexZeroNeverBlocks() {
        consul.register(ServiceSpec.instance("web-1", "web").port(1));

        assertThat(http.get("/v1/health/service/web?wait=1m").statusCode()).isEqualTo(200);
        assertThat(http.get("/v1/health/service/web?index=0&wait=1m").statusCode()).isEqualTo(200);
        assertThat(consul.blockedCount()).isZero();
    }

    @Test
    void blockedQueryReturnsAsSoonAsTheServiceChanges() {
        consul.register(ServiceSpec.instance("web-1", "web").port(1).passing());
        long index = ConsulAnswer.index(http.get("/v1/health/service/web"));

        CompletableFuture<HttpResponse<String>> poll = http.getAsync("/v1/health/service/web?index=" + index + "&wait=1m");
        assertThat(consul.awaitBlocked("/v1/health/service/web", 1, AWAIT)).isTrue();
        assertThat(poll).isNotDone();

        consul.register(ServiceSpec.instance("web-2", "web").port(2).passing());

        HttpResponse<String> response = Http.await(poll);
        assertThat(ConsulAnswer.index(response)).isGreaterThan(index);
        assertThat(ConsulAnswer.json(response)).hasSize(2);
        assertThat(consul.blockedCount()).isZero();
    }

    @Test
    void unrelatedServicesDoNotWakeTheQuery() {
        consul.register(ServiceSpec.instance("web-1", "web").port(1));
        long index = ConsulAnswer.index(http.get("/v1/health/service/web"));
        CompletableFuture<HttpResponse<String>> poll = http.getAsync("/v1/health/service/web?index=" + index + "&wait=400ms");
        assertThat(consul.awaitBlocked(1, AWAIT)).isTrue();

        consul.register(ServiceSpec.instance("db-1", "db").port(2));
        consul.putKv("some/key", "x");

        HttpResponse<String> response = Http.await(poll);
        assertThat(ConsulAnswer.index(response)).as("timed out with the same index").isEqualTo(index);
        assertThat(consul.currentIndex()).isGreaterThan(index);
    }

    @Test
    void waitElapsingReturnsTheSameIndexAndGoSyntaxIsHonoured() {
        consul.register(ServiceSpec.instance("web-1", "web").port(1));
        long index = ConsulAnswer.index(http.get("/v1/health/service/web"));

        long started = System.nanoTime();
        HttpResponse<String> response = http.get("/v1/health/service/web?index=" + index + "&wait=300ms");
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(ConsulAnswer.index(response)).isEqualTo(index);
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(300)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void waitIsCappedAndDefaulted() {
        try (ConsulDouble shortWaits = ConsulDouble.builder().jitter(false)
                .defaultWait(Duration.ofMillis(200)).maxWait(Duration.ofMillis(300)).start()) {
            Http client = new Http(shortWaits.url());
            long index = ConsulAnswer.index(client.get("/v1/health/service/web"));

            long started = System.nanoTime();
            client.get("/v1/health/service/web?index=" + index + "&wait=10m");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("capped at maxWait").isLessThan(Duration.ofSeconds(3));

            started = System.nanoTime();
            client.get("/v1/health/service/web?index=" + index);
            assertThat(Duration.ofNanos(System.nanoTime() - started))
                    .as("default wait").isGreaterThanOrEqualTo(Duration.ofMillis(200)).isLessThan(Duration.ofSeconds(3));
        }
    }

    @Test
    void jitterStaysWithinOneSixteenthOfTheWait() {
        try (ConsulDouble jittery = ConsulDouble.builder().jitter(true).start()) {
            Http client = new Http(jittery.url());
            long index = ConsulAnswer.index(client.get("/v1/health/service/web"));

            long started = System.nanoTime();
            client.get("/v1/health/service/web?index=" + index + "&wait=320ms");
            Duration took = Duration.ofNanos(System.nanoTime() - started);

            Duration given = jittery.lastBlockingWait().orElseThrow();
            assertThat(given).as("the wait given: 320 ms plus at most 320/16 = 20 ms")
                    .isBetween(Duration.ofMillis(320), Duration.ofMillis(340));
            assertThat(took).as("the query was held for the wait given").isGreaterThanOrEqualTo(given);
        }
    }

    @Test
    void jitterCoversZeroToOneSixteenthOfTheWaitAndNoMore() {
        long wait = Duration.ofSeconds(32).toNanos();
        long sixteenth = wait / 16;

        assertThat(ParkedRequests.jittered(wait, bound -> 0)).isEqualTo(wait);
        assertThat(ParkedRequests.jittered(wait, bound -> bound - 1)).isEqualTo(wait + sixteenth);
        long lowest = Long.MAX_VALUE;
        long highest = Long.MIN_VALUE;
        for (int i = 0; i < 100_000; i++) {
            long jittered = ParkedRequests.jittered(wait, bound -> ThreadLocalRandom.current().nextLong(bound));
            lowest = Math.min(lowest, jittered);
            highest = Math.max(highest, jittered);
        }
        assertThat(lowest).isGreaterThanOrEqualTo(wait);
        assertThat(highest).isLessThanOrEqualTo(wait + sixteenth)
                .as("the draws reach the top 1% of the range").isGreaterThan(wait + sixteenth * 99 / 100);
    }

    @Test
    void checkStatusChangeWakesAPassingQueryEvenWhenItsBodyIsUnchanged() {
        consul.register(ServiceSpec.instance("web-1", "web").port(1).passing());
        consul.register(ServiceSpec.instance("web-2", "web").port(2).warning());
        HttpResponse<String> first = http.get("/v1/health/service/web?passing");

        CompletableFuture<HttpResponse<String>> poll =
                http.getAsync("/v1/health/service/web?passing&index=" + ConsulAnswer.index(first) + "&wait=1m");
        assertThat(consul.awaitBlocked(1, AWAIT)).isTrue();
        consul.setCheckStatus("service:web-2", "critical");

        HttpResponse<String> woken = Http.await(poll);
        assertThat(ConsulAnswer.index(woken)).isGreaterThan(ConsulAnswer.index(first));
        assertThat(woken.body()).as("a no-op wakeup").isEqualTo(first.body());
        assertThat(ConsulAnswer.json(woken)).hasSize(1);
    }

    @Test
    void outputOnlyChangesDoNotBumpUnlessConfigured() {
        consul.register(ServiceSpec.instance("web-1", "web").port(1).passing());
        long before = consul.serviceIndex("web");

        consul.setCheckStatus("service:web-1", "passing", "new output");

        assertThat(consul.serviceIndex("web")).isEqualTo(before);
        assertThat(ConsulAnswer.json(http.get("/v1/health/service/web")).get(0).get("Checks").get(1).get("Output").asText())
                .as("health still shows the last synced output").isEmpty();
        assertThat(ConsulAnswer.json(http.get("/v1/agent/checks")).get("service:web-1").get("Output").asText())
                .as("the agent knows the new output").isEqualTo("new output");

        try (ConsulDouble eager = ConsulDouble.builder().syncOutputOnlyChanges(true).start()) {
            eager.register(ServiceSpec.instance("web-1", "web").port(1).passing());
            long eagerBefore = eager.serviceIndex("web");
            eager.setCheckStatus("service:web-1", "passing", "new output");
            assertThat(eager.serviceIndex("web")).isGreaterThan(eagerBefore);
        }
    }

    @Test
    void aClientIndexAheadOfTheServerBlocksTheFullWaitAndGetsTheLowerIndex() {
        consul.register(ServiceSpec.instance("web-1", "web").port(1).passing());
        long current = consul.serviceIndex("web");
        long ahead = current + 1000;

        CompletableFuture<HttpResponse<String>> poll = http.getAsync("/v1/health/service/web?index=" + ahead + "&wait=300ms");
        assertThat(consul.awaitBlocked(1, AWAIT)).isTrue();
        consul.setCheckStatus("service:web-1", "critical");
        assertThat(consul.blockedCount()).as("a change below the client's index does not release it").isEqualTo(1);

        HttpResponse<String> response = Http.await(poll);
        assertThat(ConsulAnswer.index(response)).isLessThan(ahead).isGreaterThan(current);
    }

    @Test
    void unknownServiceReportsTheExtinctionIndexAndWakesWhenAnInstanceAppears() {
        assertThat(ConsulAnswer.index(http.get("/v1/health/service/web"))).isEqualTo(1);
        consul.register(ServiceSpec.instance("db-1", "db").port(1));
        consul.deregister("db-1");
        long extinction = consul.currentIndex();
        assertThat(ConsulAnswer.index(http.get("/v1/health/service/web"))).isEqualTo(extinction);

        CompletableFuture<HttpResponse<String>> poll = http.getAsync("/v1/health/service/web?index=" + extinction + "&wait=1m");
        assertThat(consul.awaitBlocked(1, AWAIT)).isTrue();
        consul.register(ServiceSpec.instance("web-1", "web").port(1));

        HttpResponse<String> response = Http.await(poll);
        assertThat(ConsulAnswer.json(response)).hasSize(1);
        assertThat(ConsulAnswer.index(response)).isGreaterThan(extinction);
    }

    @Test
    void deregisteringTheLastInstanceWakesWatchersWithAnEmptyList() {
        consul.register(ServiceSpec.instance("web-1", "web").port(1));
        long index = ConsulAnswer.index(http.get("/v1/health/service/web"));
        CompletableFuture<HttpResponse<String>> poll = http.getAsync("/v1/health/service/web?index=" + index + "&wait=1m");
        assertThat(consul.awaitBlocked(1, AWAIT)).isTrue();

        consul.deregister("web-1");

        HttpResponse<String> response = Http.await(poll);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("[]");
        assertThat(ConsulAnswer.index(response)).isEqualTo(consul.currentIndex());
    }

    @Test
    void everyWriteTakesTheNextGlobalIndex() {
        long start = consul.currentIndex();
        consul.register(ServiceSpec.instance("web-1", "web").port(1).passing());
        long afterRegister = consul.currentIndex();
        consul.setCheckStatus("service:web-1", "critical");
        long afterCheck = consul.currentIndex();
        consul.enableMaintenance("web-1", "deploy");
        long afterMaintenance = consul.currentIndex();
        consul.failNode("node-1");
        long afterNode = consul.currentIndex();
        long kvIndex = consul.putKv("a", "1");
        consul.deleteKv("a");
        long afterDelete = consul.currentIndex();
        consul.deregister("web-1");

        assertThat(new long[] {start, afterRegister, afterCheck, afterMaintenance, afterNode, kvIndex, afterDelete,
                consul.currentIndex()}).isSorted().doesNotHaveDuplicates();
        assertThat(afterCheck).isEqualTo(afterRegister + 1);
    }

    @Test
    void snapshotRestoreReleasesBlockedQueriesWithALowerIndex() {
        consul.register(ServiceSpec.instance("web-1", "web").port(1));
        consul.register(ServiceSpec.instance("web-2", "web").port(2));
        long index = ConsulAnswer.index(http.get("/v1/health/service/web"));
        CompletableFuture<HttpResponse<String>> poll = http.getAsync("/v1/health/service/web?index=" + index + "&wait=1m");
        assertThat(consul.awaitBlocked(1, AWAIT)).isTrue();

        consul.restoreSnapshot(5);

        HttpResponse<String> response = Http.await(poll);
        assertThat(ConsulAnswer.index(response)).isEqualTo(5).isLessThan(index);
        assertThat(consul.currentIndex()).isEqualTo(5);
        consul.register(ServiceSpec.instance("web-3", "web").port(3));
        assertThat(consul.serviceIndex("web")).isEqualTo(6);
    }

    @Test
    void aClientThatDisconnectsIsNoLongerCountedAsBlocked() {
        long index = ConsulAnswer.index(http.get("/v1/health/service/web"));
        CompletableFuture<HttpResponse<String>> poll =
                http.getAsync("/v1/health/service/web?index=" + index + "&wait=1m", Duration.ofMillis(300));
        assertThat(consul.awaitBlocked(1, AWAIT)).isTrue();

        assertThat(poll).failsWithin(AWAIT);
        // The JDK client closes the connection when its request times out.
        assertThat(consul.awaitBlockedAtMost(0, AWAIT)).isTrue();
    }
}
