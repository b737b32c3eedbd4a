package io.canarybalancer.consuldouble.agent;

import com.fasterxml.jackson.databind.JsonNode;
import io.canarybalancer.consuldouble.ConsulAnswer;
import io.canarybalancer.consuldouble.ConsulDouble;
import io.canarybalancer.consuldouble.catalog.RegisteredCheck;
import io.canarybalancer.consuldouble.catalog.ServiceSpec;
import io.canarybalancer.testsupport.Http;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Check statuses, TTL updates, maintenance, node failure and their effect on {@code ?passing}. */
class HealthAndChecksTest {

    private static final Duration AWAIT = Duration.ofSeconds(5);

    @AutoClose
    private final ConsulDouble consul = ConsulDouble.builder().jitter(false).start();
    private final Http http = new Http(consul.url());

    private List<String> passingIds(String service) {
        List<String> ids = new ArrayList<>();
        ConsulAnswer.json(http.get("/v1/health/service/" + service + "?passing")).forEach(e -> ids.add(e.get("Service").get("ID").asText()));
        return ids;
    }

    private JsonNode agentCheck(String checkId) {
        return ConsulAnswer.json(http.get("/v1/agent/checks")).get(checkId);
    }

    private String registerTtlService(String id) {
        HttpResponse<String> response = http.send("PUT", "/v1/agent/service/register",
                "{\"ID\":\"" + id + "\",\"Name\":\"web\",\"Port\":8080,\"Check\":{\"TTL\":\"30s\"}}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return "service:" + id;
    }

    @Test
    void passingExcludesWarningAndCritical() {
        consul.register(ServiceSpec.instance("web-1", "web").port(1).passing());
        consul.register(ServiceSpec.instance("web-2", "web").port(2).warning());
        consul.register(ServiceSpec.instance("web-3", "web").port(3).critical());

        assertThat(passingIds("web")).containsExactly("web-1");
    }

    @Test
    void newChecksStartCriticalUnlessAStatusIsGiven() {
        registerTtlService("web-1");
        http.send("PUT", "/v1/agent/service/register",
                "{\"ID\":\"web-2\",\"Name\":\"web\",\"Check\":{\"TTL\":\"30s\",\"Status\":\"passing\"}}");

        assertThat(consul.check("service:web-1")).get().extracting(RegisteredCheck::status).isEqualTo("critical");
        assertThat(passingIds("web")).containsExactly("web-2");
    }

    @Test
    void autoPassMakesUnexecutedHttpChecksStartPassing() {
        try (ConsulDouble auto = ConsulDouble.builder().autoPassNewChecks(true).start()) {
            Http client = new Http(auto.url());
            client.send("PUT", "/v1/agent/service/register", "{\"ID\":\"web-1\",\"Name\":\"web\",\"Check\":"
                    + "{\"HTTP\":\"http://127.0.0.1:1/health\",\"Interval\":\"5s\"}}");

            assertThat(auto.check("service:web-1")).get().extracting(RegisteredCheck::status).isEqualTo("passing");
        }
    }

    @Test
    void httpChecksAreNeverExecutedTheTestSetsTheirStatus() {
        http.send("PUT", "/v1/agent/service/register", "{\"ID\":\"web-1\",\"Name\":\"web\",\"Check\":"
                + "{\"HTTP\":\"http://127.0.0.1:1/health\",\"Interval\":\"1s\"}}");
        assertThat(passingIds("web")).isEmpty();

        consul.setCheckStatus("service:web-1", "passing", "HTTP GET http://127.0.0.1:1/health: 200 OK Output: ok");

        assertThat(passingIds("web")).containsExactly("web-1");
        JsonNode check = ConsulAnswer.json(http.get("/v1/health/service/web")).get(0).get("Checks").get(1);
        assertThat(check.get("Output").asText()).contains("200 OK");
        assertThat(check.get("Type").asText()).isEqualTo("http");
    }

    @Test
    void ttlPassWarnFailUpdateStatusAndOutput() {
        String checkId = registerTtlService("web-1");

        assertThat(http.send("PUT", "/v1/agent/check/pass/" + checkId + "?note=all%20good", "").statusCode()).isEqualTo(200);
        assertThat(agentCheck(checkId).get("Status").asText()).isEqualTo("passing");
        assertThat(agentCheck(checkId).get("Output").asText()).isEqualTo("all good");

        http.send("PUT", "/v1/agent/check/warn/" + checkId + "?note=slow", "");
        assertThat(agentCheck(checkId).get("Status").asText()).isEqualTo("warning");
        assertThat(passingIds("web")).isEmpty();

        http.send("PUT", "/v1/agent/check/fail/" + checkId, "");
        assertThat(agentCheck(checkId).get("Status").asText()).isEqualTo("critical");
        assertThat(agentCheck(checkId).get("Output").asText()).isEmpty();

        http.send("PUT", "/v1/agent/check/update/" + checkId, "{\"Status\":\"passing\",\"Output\":\"via update\"}");
        assertThat(agentCheck(checkId).get("Output").asText()).isEqualTo("via update");
        assertThat(http.send("PUT", "/v1/agent/check/update/" + checkId, "{\"Status\":\"fine\"}").statusCode()).isEqualTo(400);
    }

    @Test
    void ttlCheckPathAcceptsAnEncodedColon() {
        String checkId = registerTtlService("web-1");

        assertThat(http.send("PUT", "/v1/agent/check/pass/service%3Aweb-1", "").statusCode()).isEqualTo(200);
        assertThat(consul.check(checkId)).get().extracting(RegisteredCheck::status).isEqualTo("passing");
    }

    @Test
    void ttlOnUnknownOrNonTtlChecksFailsLikeConsul() {
        http.send("PUT", "/v1/agent/service/register", "{\"ID\":\"web-1\",\"Name\":\"web\",\"Check\":"
                + "{\"HTTP\":\"http://127.0.0.1:1/\",\"Interval\":\"5s\"}}");

        HttpResponse<String> unknown = http.send("PUT", "/v1/agent/check/pass/service:nope", "");
        HttpResponse<String> notTtl = http.send("PUT", "/v1/agent/check/pass/service:web-1", "");

        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).startsWith("Unknown check ID \"service:nope\"");
        assertThat(notTtl.statusCode()).isEqualTo(500);
        assertThat(notTtl.body()).isEqualTo("CheckID \"service:web-1\" does not have associated TTL");
    }

    @Test
    void ttlExpiryTurnsTheCheckCriticalAndWakesWatchers() {
        http.send("PUT", "/v1/agent/service/register",
                "{\"ID\":\"web-1\",\"Name\":\"web\",\"Check\":{\"TTL\":\"300ms\",\"Status\":\"passing\"}}");
        http.send("PUT", "/v1/agent/check/pass/service:web-1?note=alive", "");
        HttpResponse<String> first = http.get("/v1/health/service/web?passing");
        assertThat(ConsulAnswer.json(first)).hasSize(1);

        HttpResponse<String> woken = http.get("/v1/health/service/web?passing&wait=5s&index=" + ConsulAnswer.index(first));

        assertThat(ConsulAnswer.json(woken)).isEmpty();
        assertThat(consul.check("service:web-1")).get().satisfies(c -> {
            assertThat(c.status()).isEqualTo("critical");
            assertThat(c.output()).isEqualTo("TTL expired (last output before timeout follows): alive");
        });
    }

    @Test
    void maintenanceAddsAndRemovesTheMaintenanceCheck() {
        consul.register(ServiceSpec.instance("web-1", "web").port(1).passing());
        long before = consul.serviceIndex("web");

        assertThat(http.send("PUT", "/v1/agent/service/maintenance/web-1?enable=true&reason=deploy%20v2", "").statusCode())
                .isEqualTo(200);

        assertThat(consul.serviceIndex("web")).isGreaterThan(before);
        assertThat(passingIds("web")).isEmpty();
        JsonNode maintenance = null;
        for (JsonNode check : ConsulAnswer.json(http.get("/v1/health/service/web")).get(0).get("Checks")) {
            if (check.get("CheckID").asText().startsWith("_service_maintenance")) {
                maintenance = check;
            }
        }
        assertThat(maintenance).isNotNull();
        assertThat(maintenance.get("CheckID").asText()).isEqualTo("_service_maintenance:web-1");
        assertThat(maintenance.get("Name").asText()).isEqualTo("Service Maintenance Mode");
        assertThat(maintenance.get("Status").asText()).isEqualTo("critical");
        assertThat(maintenance.get("Notes").asText()).isEqualTo("deploy v2");
        assertThat(maintenance.get("ServiceID").asText()).isEqualTo("web-1");

        http.send("PUT", "/v1/agent/service/maintenance/web-1?enable=false", "");
        assertThat(passingIds("web")).containsExactly("web-1");
    }

    @Test
    void maintenanceWithoutReasonUsesConsulsDefaultNote() {
        consul.register(ServiceSpec.instance("web-1", "web").port(1));

        http.send("PUT", "/v1/agent/service/maintenance/web-1?enable=true", "");

        assertThat(consul.check("_service_maintenance:web-1")).get().extracting(RegisteredCheck::notes)
                .isEqualTo(LocalAgent.DEFAULT_SERVICE_MAINTENANCE_REASON);
    }

    @Test
    void maintenanceErrors() {
        consul.register(ServiceSpec.instance("web-1", "web").port(1));

        HttpResponse<String> unknown = http.send("PUT", "/v1/agent/service/maintenance/nope?enable=true", "");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).isEqualTo("No service registered with ID \"nope\"");
        assertThat(http.send("PUT", "/v1/agent/service/maintenance/web-1", "").body()).isEqualTo("Missing value for enable");
        assertThat(http.send("PUT", "/v1/agent/service/maintenance/web-1?enable=maybe", "").body())
                .isEqualTo("Invalid value for enable: \"maybe\"");
    }

    @Test
    void nodeMaintenanceKnocksOutEveryInstanceOnTheAgentNode() {
        consul.register(ServiceSpec.instance("web-1", "web").port(1).passing());

        http.send("PUT", "/v1/agent/maintenance?enable=true&reason=patching", "");
        assertThat(passingIds("web")).isEmpty();
        assertThat(consul.check("_node_maintenance")).get().extracting(RegisteredCheck::name).isEqualTo("Node Maintenance Mode");

        http.send("PUT", "/v1/agent/maintenance?enable=false", "");
        assertThat(passingIds("web")).containsExactly("web-1");
    }

    @Test
    void nodeFailureFlipsSerfHealthAndWakesWatchersOfEveryServiceOnIt() {
        consul.register(ServiceSpec.instance("web-1", "web").port(1).node("node-b", "10.0.0.12").passing());
        consul.register(ServiceSpec.instance("web-2", "web").port(2).passing());
        HttpResponse<String> first = http.get("/v1/health/service/web?passing");
        CompletableFuture<HttpResponse<String>> poll =
                http.getAsync("/v1/health/service/web?passing&wait=1m&index=" + ConsulAnswer.index(first));
        assertThat(consul.awaitBlocked(1, AWAIT)).isTrue();

        consul.failNode("node-b");

        HttpResponse<String> response = Http.await(poll);
        assertThat(ConsulAnswer.json(response)).hasSize(1);
        assertThat(ConsulAnswer.json(response).get(0).get("Node").get("Node").asText()).isEqualTo("node-1");
        JsonNode onNodeB = null;
        for (JsonNode entry : ConsulAnswer.json(http.get("/v1/health/service/web"))) {
            if (entry.get("Service").get("ID").asText().equals("web-1")) {
                onNodeB = entry;
            }
        }
        assertThat(onNodeB).isNotNull();
        assertThat(onNodeB.get("Node").get("Address").asText()).isEqualTo("10.0.0.12");
        JsonNode serf = onNodeB.get("Checks").get(0);
        assertThat(serf.get("Node").asText()).isEqualTo("node-b");
        assertThat(serf.get("CheckID").asText()).isEqualTo("serfHealth");
        assertThat(serf.get("Status").asText()).isEqualTo("critical");

        consul.reviveNode("node-b");
        assertThat(passingIds("web")).containsExactlyInAnyOrder("web-1", "web-2");
    }

    @Test
    void deregisterRemovesTheInstanceAndItsChecks() {
        registerTtlService("web-1");
        long before = consul.serviceIndex("web");

        assertThat(http.send("PUT", "/v1/agent/service/deregister/web-1", "").statusCode()).isEqualTo(200);

        assertThat(consul.service("web-1")).isEmpty();
        assertThat(consul.check("service:web-1")).isEmpty();
        assertThat(agentCheck("service:web-1")).isNull();
        assertThat(consul.serviceIndex("web")).isGreaterThan(before);
        HttpResponse<String> again = http.send("PUT", "/v1/agent/service/deregister/web-1", "");
        assertThat(again.statusCode()).isEqualTo(404);
        assertThat(again.body()).isEqualTo(
                "Unknown service ID \"web-1\". Ensure that the service ID is passed, not the service name.");
    }

    @Test
    void javaHooksRejectWhatTheyCannotResolve() {
        assertThatThrownBy(() -> consul.setCheckStatus("nope", "passing")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> consul.failNode("nope")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> consul.register(ServiceSpec.of("web").address("0.0.0.0")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("Invalid service address");
        assertThat(consul.deregister("nope")).isFalse();
    }
}
