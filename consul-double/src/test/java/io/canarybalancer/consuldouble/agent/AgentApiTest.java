package io.canarybalancer.consuldouble.agent;

import com.fasterxml.jackson.databind.JsonNode;
import io.canarybalancer.consuldouble.ConsulAnswer;
import io.canarybalancer.consuldouble.ConsulDouble;
import io.canarybalancer.consuldouble.catalog.RegisteredCheck;
import io.canarybalancer.consuldouble.catalog.RegisteredService;
import io.canarybalancer.consuldouble.catalog.ServiceSpec;
import io.canarybalancer.testsupport.Http;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** Agent registration bodies as the kiwiproject AgentClient sends them, and the agent read endpoints. */
class AgentApiTest {

    /** The body shape consul-client 1.12 sends: key "Id", explicit nulls, empty Checks and Meta. */
    private static final String KIWI_REGISTRATION = """
            {"Name":"web","Id":"web-1","Address":"10.0.0.21","Port":8080,
             "Check":{"CheckID":null,"Name":null,"Args":null,"Interval":"5s","TTL":null,
                      "HTTP":"http://10.0.0.21:8080/health","TCP":null,"GRPC":null,"GRPCUseTLS":null,
                      "Timeout":"2s","Notes":null,"DeregisterCriticalServiceAfter":"1m","TLSSkipVerify":null,
                      "Status":null,"SuccessBeforePassing":null,"FailuresBeforeCritical":null},
             "Checks":[],"Tags":["v2"],"Meta":{"weight":"10"},"EnableTagOverride":null,"Weights":null}
            """;

    @AutoClose
    private final ConsulDouble consul = ConsulDouble.start();
    private final Http http = new Http(consul.url());

    @Test
    void acceptsTheKiwiprojectClientsWireFormat() {
        HttpResponse<String> response = http.send("PUT", "/v1/agent/service/register", KIWI_REGISTRATION);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).isEmpty();
        RegisteredService service = consul.service("web-1").orElseThrow();
        assertThat(service.name()).isEqualTo("web");
        assertThat(service.address()).isEqualTo("10.0.0.21");
        assertThat(service.port()).isEqualTo(8080);
        assertThat(service.tags()).containsExactly("v2");
        assertThat(service.meta()).containsEntry("weight", "10");
        assertThat(service.weightsPassing()).isEqualTo(1);
        RegisteredCheck check = consul.check("service:web-1").orElseThrow();
        assertThat(check.name()).isEqualTo("Service 'web' check");
        assertThat(check.type()).isEqualTo("http");
        assertThat(check.http()).isEqualTo("http://10.0.0.21:8080/health");
        assertThat(check.interval()).isEqualTo("5s");
        assertThat(check.timeout()).isEqualTo("2s");
        assertThat(check.deregisterCriticalServiceAfter()).isEqualTo("1m");
        assertThat(check.status()).isEqualTo("critical");
    }

    @Test
    void keysMatchInAnyCaseAndSnakeCase() {
        http.send("PUT", "/v1/agent/service/register", """
                {"name":"api","id":"api-1","port":9000,"tags":null,"meta":null,
                 "check":{"check_id":"api-ttl","ttl":"10s","deregister_critical_service_after":"1m"}}
                """);

        assertThat(consul.service("api-1")).get().extracting(RegisteredService::port).isEqualTo(9000);
        assertThat(consul.check("api-ttl")).get().satisfies(c -> {
            assertThat(c.ttl()).isEqualTo("10s");
            assertThat(c.deregisterCriticalServiceAfter()).isEqualTo("1m");
        });
    }

    @Test
    void idDefaultsToNameAndSeveralChecksGetNumberedIds() {
        http.send("PUT", "/v1/agent/service/register", """
                {"Name":"api","Checks":[{"TTL":"10s"},{"HTTP":"http://x/","Interval":"5s"}]}
                """);

        assertThat(consul.checks("api")).extracting(RegisteredCheck::checkId).containsExactly("service:api:1", "service:api:2");
    }

    @Test
    void checkAndChecksAreBothHonoured() {
        http.send("PUT", "/v1/agent/service/register", """
                {"Name":"api","ID":"api-1","Check":{"CheckID":"a","TTL":"10s"},"Checks":[{"CheckID":"b","TTL":"10s"}]}
                """);

        assertThat(consul.checks("api-1")).extracting(RegisteredCheck::checkId).containsExactly("a", "b");
    }

    @Test
    void invalidRegistrationsGetConsulsMessages() {
        assertThat(http.send("PUT", "/v1/agent/service/register", "{\"ID\":\"x\"}").body()).isEqualTo("Missing service name");
        assertThat(http.send("PUT", "/v1/agent/service/register", "{\"Name\":\"x\",\"Address\":\"0.0.0.0\"}").body())
                .isEqualTo("Invalid service address");
        assertThat(http.send("PUT", "/v1/agent/service/register", "{\"Name\":\"x\",\"Meta\":{\"consul-x\":\"1\"}}").body())
                .startsWith("Invalid Service Meta:");
        assertThat(http.send("PUT", "/v1/agent/service/register", "{\"Name\":\"x\",\"Weights\":{\"Passing\":0,\"Warning\":1}}").body())
                .startsWith("Invalid Weights:");
        assertThat(http.send("PUT", "/v1/agent/service/register", "{\"Name\":\"x\",\"Check\":{\"HTTP\":\"http://x/\"}}").body())
                .startsWith("Invalid check:");
        HttpResponse<String> garbage = http.send("PUT", "/v1/agent/service/register", "{not json");
        assertThat(garbage.statusCode()).isEqualTo(400);
        assertThat(garbage.body()).startsWith("Request decode failed:");
        assertThat(consul.services()).isEmpty();
    }

    @Test
    void reRegistrationKeepsCheckStatusAndBumpsTheIndex() {
        http.send("PUT", "/v1/agent/service/register", "{\"ID\":\"web-1\",\"Name\":\"web\",\"Check\":{\"TTL\":\"30s\"}}");
        http.send("PUT", "/v1/agent/check/pass/service:web-1?note=ok", "");
        long before = consul.serviceIndex("web");

        http.send("PUT", "/v1/agent/service/register", "{\"ID\":\"web-1\",\"Name\":\"web\",\"Tags\":[\"v3\"],\"Check\":{\"TTL\":\"30s\"}}");

        assertThat(consul.serviceIndex("web")).isGreaterThan(before);
        assertThat(consul.service("web-1").orElseThrow().tags()).containsExactly("v3");
        assertThat(consul.check("service:web-1")).get().extracting(RegisteredCheck::status).isEqualTo("passing");
    }

    @Test
    void replaceExistingChecksDropsChecksMissingFromTheNewDefinition() {
        http.send("PUT", "/v1/agent/service/register", "{\"ID\":\"web-1\",\"Name\":\"web\",\"Checks\":["
                + "{\"CheckID\":\"a\",\"TTL\":\"30s\"},{\"CheckID\":\"b\",\"TTL\":\"30s\"}]}");

        http.send("PUT", "/v1/agent/service/register", "{\"ID\":\"web-1\",\"Name\":\"web\",\"Check\":{\"CheckID\":\"a\",\"TTL\":\"30s\"}}");
        assertThat(consul.checks("web-1")).extracting(RegisteredCheck::checkId).containsExactly("a", "b");

        http.send("PUT", "/v1/agent/service/register?replace-existing-checks", "{\"ID\":\"web-1\",\"Name\":\"web\","
                + "\"Check\":{\"CheckID\":\"a\",\"TTL\":\"30s\"}}");
        assertThat(consul.checks("web-1")).extracting(RegisteredCheck::checkId).containsExactly("a");
    }

    @Test
    void agentServicesAndChecksListTheLocalNodeOnly() {
        http.send("PUT", "/v1/agent/service/register", KIWI_REGISTRATION);
        consul.register(ServiceSpec.instance("remote-1", "web").node("node-b", "10.0.0.12").port(1));

        JsonNode services = ConsulAnswer.json(http.get("/v1/agent/services"));
        JsonNode checks = ConsulAnswer.json(http.get("/v1/agent/checks"));

        assertThat(services.has("web-1")).isTrue();
        assertThat(services.has("remote-1")).isFalse();
        JsonNode web = services.get("web-1");
        assertThat(web.get("ID").asText()).isEqualTo("web-1");
        assertThat(web.get("Service").asText()).isEqualTo("web");
        assertThat(web.get("Tags")).extracting(JsonNode::asText).containsExactly("v2");
        assertThat(web.get("Meta").get("weight").asText()).isEqualTo("10");
        assertThat(web.get("Port").asInt()).isEqualTo(8080);
        assertThat(web.get("Address").asText()).isEqualTo("10.0.0.21");
        assertThat(checks.has("service:web-1")).isTrue();
        assertThat(checks.get("service:web-1").get("ServiceTags")).extracting(JsonNode::asText).containsExactly("v2");
        assertThat(http.send("PUT", "/v1/agent/service/deregister/remote-1", "").statusCode())
                .as("the agent cannot deregister another node's service").isEqualTo(404);
    }

    @Test
    void singleServiceReadCarriesAContentHash() {
        http.send("PUT", "/v1/agent/service/register", KIWI_REGISTRATION);

        HttpResponse<String> response = http.get("/v1/agent/service/web-1");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(ConsulAnswer.json(response).get("ContentHash").asText())
                .isEqualTo(response.headers().firstValue("X-Consul-ContentHash").orElseThrow());
        assertThat(http.get("/v1/agent/service/nope").statusCode()).isEqualTo(404);
    }

    @Test
    void agentSelfAndStatusLeaderHaveWhatTheClientReads() {
        JsonNode self = ConsulAnswer.json(http.get("/v1/agent/self"));
        HttpResponse<String> leader = http.get("/v1/status/leader");

        assertThat(self.get("Config").get("Datacenter").asText()).isEqualTo("dc1");
        assertThat(self.get("Config").get("NodeName").asText()).isEqualTo("node-1");
        assertThat(self.get("Config").has("Revision")).isTrue();
        assertThat(self.get("Config").has("Server")).isTrue();
        assertThat(self.get("Config").has("Version")).isTrue();
        for (String field : new String[] {"Name", "Addr", "Port", "Tags", "Status", "ProtocolMin", "ProtocolMax",
                "ProtocolCur", "DelegateMin", "DelegateMax", "DelegateCur"}) {
            assertThat(self.get("Member").has(field)).as(field).isTrue();
        }
        assertThat(leader.statusCode()).isEqualTo(200);
        assertThat(leader.body()).isEqualTo("\"127.0.0.1:8300\"");
        assertThat(ConsulAnswer.json(http.get("/v1/status/peers"))).hasSize(1);
    }

    @Test
    void standaloneChecksRegisterAndDeregister() {
        consul.register(ServiceSpec.instance("web-1", "web").port(1));

        assertThat(http.send("PUT", "/v1/agent/check/register",
                "{\"ID\":\"disk\",\"Name\":\"Disk\",\"TTL\":\"30s\",\"ServiceID\":\"web-1\"}").statusCode()).isEqualTo(200);
        assertThat(consul.check("disk")).get().extracting(RegisteredCheck::serviceName).isEqualTo("web");
        assertThat(http.send("PUT", "/v1/agent/check/register", "{\"Name\":\"x\",\"TTL\":\"30s\",\"ServiceID\":\"nope\"}")
                .statusCode()).isEqualTo(404);
        assertThat(http.send("PUT", "/v1/agent/check/register", "{\"TTL\":\"30s\"}").body()).isEqualTo("Missing check name");

        assertThat(http.send("PUT", "/v1/agent/check/deregister/disk", "").statusCode()).isEqualTo(200);
        assertThat(consul.check("disk")).isEmpty();
        assertThat(http.send("PUT", "/v1/agent/check/deregister/disk", "").statusCode()).isEqualTo(404);
    }

    @Test
    void methodsAreEnforcedWithPlainTextErrors() {
        HttpResponse<String> getRegister = http.get("/v1/agent/service/register");
        HttpResponse<String> putHealth = http.send("PUT", "/v1/health/service/web", "");
        HttpResponse<String> postKv = http.send("POST", "/v1/kv/a", "x");

        assertThat(getRegister.statusCode()).isEqualTo(405);
        assertThat(getRegister.headers().firstValue("Allow")).hasValue("PUT");
        assertThat(getRegister.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
        assertThat(getRegister.body()).isEqualTo("method GET not allowed");
        assertThat(putHealth.statusCode()).isEqualTo(405);
        assertThat(putHealth.headers().firstValue("Allow")).hasValue("GET");
        assertThat(postKv.statusCode()).isEqualTo(405);
        assertThat(postKv.headers().firstValue("Allow")).hasValue("GET,PUT,DELETE");
        assertThat(http.get("/v1/agent/check/pass/x").statusCode()).isEqualTo(405);
        assertThat(http.get("/v1/nothing/here").statusCode()).isEqualTo(404);
    }

    @Test
    void aclTokensAreCheckedWhenConfigured() {
        try (ConsulDouble secured = ConsulDouble.builder().aclTokens("secret").start()) {
            Http client = new Http(secured.url());

            assertThat(client.get("/v1/health/service/web").statusCode()).isEqualTo(403);
            HttpResponse<String> wrong = client.send("GET", "/v1/health/service/web", null, "X-Consul-Token", "guess");
            assertThat(wrong.statusCode()).isEqualTo(403);
            assertThat(wrong.body()).isEqualTo("ACL not found");
            assertThat(client.send("GET", "/v1/health/service/web", null, "X-Consul-Token", "secret").statusCode())
                    .isEqualTo(200);
            assertThat(client.send("GET", "/v1/health/service/web", null, "Authorization", "Bearer secret").statusCode())
                    .isEqualTo(200);
            assertThat(client.get("/v1/status/leader").statusCode()).as("status needs no token").isEqualTo(200);
        }
    }
}
