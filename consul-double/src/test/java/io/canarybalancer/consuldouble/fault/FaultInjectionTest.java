package io.canarybalancer.consuldouble.fault;

import com.fasterxml.jackson.databind.JsonNode;
import io.canarybalancer.consuldouble.ConsulAnswer;
import io.canarybalancer.consuldouble.ConsulDouble;
import io.canarybalancer.consuldouble.catalog.ServiceSpec;
import io.canarybalancer.testsupport.Http;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every fault the plan can inject, and how faults are scoped, counted and cleared. */
class FaultInjectionTest {

    private static final Duration AWAIT = Duration.ofSeconds(5);
    private static final String HEALTH = "/v1/health/service/web";

    @AutoClose
    private final ConsulDouble consul = ConsulDouble.builder().jitter(false).start();
    private final Http http = new Http(consul.url());

    @BeforeEach
    void register() {
        consul.register(ServiceSpec.instance("web-1", "web").address("10.0.0.21").port(8080).passing());
    }

    @Test
    void nextCountFaultsThenServesNormally() {
        FaultRule rule = consul.faults().next(2, Fault.noLeader());

        HttpResponse<String> first = http.get(HEALTH);
        HttpResponse<String> second = http.get(HEALTH);
        HttpResponse<String> third = http.get(HEALTH);

        assertThat(first.statusCode()).isEqualTo(500);
        assertThat(first.body()).isEqualTo("No cluster leader");
        assertThat(first.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
        assertThat(second.statusCode()).isEqualTo(500);
        assertThat(third.statusCode()).isEqualTo(200);
        assertThat(rule.appliedCount()).isEqualTo(2);
        assertThat(rule.isExhausted()).isTrue();
        assertThat(consul.faults().rules()).isEmpty();
        assertThat(consul.requests().forPath(HEALTH)).extracting(r -> r.appliedFault().isPresent())
                .containsExactly(true, true, false);
    }

    @Test
    void errorVariants() {
        consul.faults().next(1, Fault.rpcNoLeader());
        consul.faults().next(1, Fault.noKnownServers());
        consul.faults().next(1, Fault.rateLimited());
        consul.faults().next(1, Fault.aclNotFound());

        assertThat(http.get(HEALTH).body()).isEqualTo("rpc error making call: No cluster leader");
        assertThat(http.get(HEALTH).body()).isEqualTo("No known Consul servers");
        assertThat(http.get(HEALTH).statusCode()).isEqualTo(429);
        HttpResponse<String> acl = http.get(HEALTH);
        assertThat(acl.statusCode()).isEqualTo(403);
        assertThat(acl.body()).isEqualTo("ACL not found");
    }

    @Test
    void faultsCanBeScopedToAPathPrefixOrAPredicateAndCleared() {
        consul.faults().onPath("/v1/health/").always(Fault.noLeader());
        consul.faults().matching(r -> r.method().equals("PUT") && r.path().startsWith("/v1/kv/")).always(Fault.rateLimited());

        assertThat(http.get(HEALTH).statusCode()).isEqualTo(500);
        assertThat(http.get("/v1/agent/services").statusCode()).isEqualTo(200);
        assertThat(http.send("PUT", "/v1/kv/a", "x").statusCode()).isEqualTo(429);
        assertThat(http.get("/v1/kv/a").statusCode()).isEqualTo(404);

        consul.faults().clear();
        assertThat(http.get(HEALTH).statusCode()).isEqualTo(200);
        assertThat(http.send("PUT", "/v1/kv/a", "x").statusCode()).isEqualTo(200);
    }

    @Test
    void timeWindowFaultsExpire() throws InterruptedException {
        FaultRule rule = consul.faults().during(Duration.ofMillis(150), Fault.noLeader());
        assertThat(http.get(HEALTH).statusCode()).isEqualTo(500);

        while (!rule.isExhausted()) {
            Thread.sleep(10); // the passage of time is what is under test here
        }
        assertThat(http.get(HEALTH).statusCode()).isEqualTo(200);
    }

    @Test
    void cancelledRulesStopFiring() {
        FaultRule rule = consul.faults().always(Fault.noLeader());
        rule.cancel();

        assertThat(http.get(HEALTH).statusCode()).isEqualTo(200);
    }

    @Test
    void hangOutlastsTheClientsReadTimeout() {
        consul.faults().next(1, Fault.hang());

        CompletableFuture<HttpResponse<String>> call = http.getAsync(HEALTH, Duration.ofMillis(300));

        assertThat(consul.awaitHanging(1, AWAIT)).isTrue();
        assertThat(call).failsWithin(AWAIT).withThrowableOfType(Exception.class)
                .withCauseInstanceOf(HttpTimeoutException.class);
        assertThat(http.get(HEALTH).statusCode()).isEqualTo(200);
    }

    @Test
    void slowButInTimeAnswersArriveAfterTheDelay() {
        consul.faults().next(1, Fault.delay(Duration.ofMillis(250)));

        long started = System.nanoTime();
        HttpResponse<String> response = http.get(HEALTH);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
    }

    @Test
    void stoppedListenerRefusesConnectionsAndRestartsOnTheSamePort() {
        int port = consul.port();

        consul.stopListener();

        assertThat(consul.isListening()).isFalse();
        assertThatThrownBy(() -> http.get(HEALTH)).satisfies(e -> assertThat(causes(e)).hasAtLeastOneElementOfType(ConnectException.class));
        consul.startListener();
        assertThat(consul.port()).isEqualTo(port);
        assertThat(ConsulAnswer.json(http.get(HEALTH))).hasSize(1);
    }

    @Test
    void stoppingTheListenerDropsParkedBlockingQueries() {
        long index = ConsulAnswer.index(http.get(HEALTH));
        CompletableFuture<HttpResponse<String>> poll = http.getAsync(HEALTH + "?index=" + index + "&wait=1m");
        assertThat(consul.awaitBlocked(1, AWAIT)).isTrue();

        consul.stopListener();

        assertThat(poll).failsWithin(AWAIT).withThrowableOfType(Exception.class).withCauseInstanceOf(IOException.class);
        assertThat(consul.blockedCount()).isZero();
    }

    @Test
    void resetMidResponseBreaksTheBody() {
        for (int i = 2; i < 40; i++) {
            consul.register(ServiceSpec.instance("web-" + i, "web").port(8000 + i).passing());
        }
        consul.faults().next(1, Fault.resetMidResponse());

        assertThatThrownBy(() -> http.get(HEALTH)).hasRootCauseInstanceOf(IOException.class);
        assertThat(ConsulAnswer.json(http.get(HEALTH))).hasSize(39);
    }

    @Test
    void closeWithoutAnswer() {
        // "always", because the JDK client transparently retries a GET whose connection closed early.
        consul.faults().always(Fault.closeConnection());

        assertThatThrownBy(() -> http.get(HEALTH)).hasRootCauseInstanceOf(IOException.class);
        consul.faults().clear();
        assertThat(http.get(HEALTH).statusCode()).isEqualTo(200);
    }

    @Test
    void resetWithoutAnswer() {
        consul.faults().always(Fault.resetConnection());

        assertThatThrownBy(() -> http.get(HEALTH)).hasRootCauseInstanceOf(IOException.class);
        consul.faults().clear();
        assertThat(http.get(HEALTH).statusCode()).isEqualTo(200);
    }

    @Test
    void malformedJsonKeepsStatusAndIndex() {
        consul.faults().next(1, Fault.malformedJson());

        HttpResponse<String> response = http.get(HEALTH);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Consul-Index")).isPresent();
        assertThatThrownBy(() -> ConsulAnswer.json(response)).isInstanceOf(RuntimeException.class);
    }

    @Test
    void missingOrNullRequiredFields() {
        consul.faults().next(1, Fault.removeField("Service.Address"));
        consul.faults().next(1, Fault.nullField("Service.Address"));
        consul.faults().next(1, Fault.removeField("Checks.Status"));

        JsonNode removed = ConsulAnswer.json(http.get(HEALTH)).get(0);
        JsonNode nulled = ConsulAnswer.json(http.get(HEALTH)).get(0);
        JsonNode noStatus = ConsulAnswer.json(http.get(HEALTH)).get(0);

        assertThat(removed.get("Service").has("Address")).isFalse();
        assertThat(removed.get("Service").has("Port")).isTrue();
        assertThat(nulled.get("Service").get("Address").isNull()).isTrue();
        assertThat(noStatus.get("Checks")).allSatisfy(c -> assertThat(c.has("Status")).isFalse());
    }

    @Test
    void indexHeaderCanBeMissingZeroOrGarbage() {
        consul.faults().next(1, Fault.withoutIndexHeader());
        consul.faults().next(1, Fault.indexHeader("0"));
        consul.faults().next(1, Fault.indexHeader("abc"));

        assertThat(http.get(HEALTH).headers().firstValue("X-Consul-Index")).isEmpty();
        assertThat(http.get(HEALTH).headers().firstValue("X-Consul-Index")).hasValue("0");
        assertThat(http.get(HEALTH).headers().firstValue("X-Consul-Index")).hasValue("abc");
    }

    @Test
    void rewriteFaultsApplyAfterABlockingQueryReturns() {
        long index = ConsulAnswer.index(http.get(HEALTH));
        consul.faults().matching(r -> r.hasParam("index")).next(1, Fault.withoutIndexHeader());

        CompletableFuture<HttpResponse<String>> poll = http.getAsync(HEALTH + "?index=" + index + "&wait=1m");
        assertThat(consul.awaitBlocked(1, AWAIT)).as("the faulted query still blocks").isTrue();
        consul.setCheckStatus("service:web-1", "warning");

        HttpResponse<String> response = Http.await(poll);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Consul-Index")).isEmpty();
    }

    @Test
    void unknownLeaderHeaders() {
        consul.faults().next(1, Fault.unknownLeader(Duration.ofSeconds(90)));

        HttpResponse<String> response = http.get(HEALTH);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Consul-KnownLeader")).hasValue("false");
        assertThat(response.headers().firstValue("X-Consul-LastContact")).hasValue("90000");
    }

    @Test
    void leaderOutageServesStaleReadsOnly() {
        consul.faults().always(Fault.leaderOutage());

        HttpResponse<String> consistent = http.get(HEALTH);
        HttpResponse<String> stale = http.get(HEALTH + "?stale");

        assertThat(consistent.statusCode()).isEqualTo(500);
        assertThat(consistent.body()).isEqualTo("No cluster leader");
        assertThat(stale.statusCode()).isEqualTo(200);
        assertThat(ConsulAnswer.json(stale)).hasSize(1);
        assertThat(stale.headers().firstValue("X-Consul-KnownLeader")).hasValue("false");
        assertThat(stale.headers().firstValue("X-Consul-LastContact")).hasValue("30000");
        assertThat(http.send("PUT", "/v1/kv/a", "x").statusCode()).isEqualTo(500);
        assertThat(http.get("/v1/status/leader").body()).isEqualTo("\"\"");
        assertThat(http.get("/v1/agent/services").statusCode()).as("agent-local reads still work").isEqualTo(200);
    }

    private static List<Throwable> causes(Throwable top) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = top; t != null && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }
}
