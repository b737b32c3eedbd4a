package io.canarybalancer.consuldouble.endpoint;

import com.fasterxml.jackson.databind.JsonNode;
import io.canarybalancer.consuldouble.ConsulAnswer;
import io.canarybalancer.consuldouble.ConsulDouble;
import io.canarybalancer.consuldouble.catalog.ServiceSpec;
import io.canarybalancer.testsupport.Http;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** The JSON shape and headers of {@code GET /v1/health/service/:name}. */
class HealthWireFormatTest {

    @AutoClose
    private final ConsulDouble consul = ConsulDouble.start();
    private final Http http = new Http(consul.url());

    @Test
    void entryCarriesEveryFieldStrictClientsRequire() {
        consul.register(ServiceSpec.instance("web-1", "web").address("10.0.0.21").port(8080)
                .tags("v2", "blue").meta("version", "2").passing());

        HttpResponse<String> response = http.get("/v1/health/service/web");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode entry = ConsulAnswer.json(response).get(0);
        JsonNode node = entry.get("Node");
        assertThat(node.get("Node").asText()).isEqualTo("node-1");
        assertThat(node.get("Address").asText()).isEqualTo("127.0.0.1");
        assertThat(node.get("Datacenter").asText()).isEqualTo("dc1");
        assertThat(node.get("TaggedAddresses").has("wan")).as("TaggedAddresses must include wan").isTrue();

        JsonNode service = entry.get("Service");
        assertThat(service.get("ID").asText()).isEqualTo("web-1");
        assertThat(service.get("Service").asText()).isEqualTo("web");
        assertThat(service.get("Tags")).extracting(JsonNode::asText).containsExactly("v2", "blue");
        assertThat(service.get("Address").asText()).isEqualTo("10.0.0.21");
        assertThat(service.get("Port").asInt()).isEqualTo(8080);
        assertThat(service.get("Meta").get("version").asText()).isEqualTo("2");
        assertThat(service.get("Weights").get("Passing").asInt()).isEqualTo(1);
        assertThat(service.get("Weights").get("Warning").asInt()).isEqualTo(1);
        assertThat(service.get("TaggedAddresses").get("lan_ipv4").get("Port").asInt()).isEqualTo(8080);

        JsonNode checks = entry.get("Checks");
        assertThat(checks).hasSize(2);
        JsonNode serf = checks.get(0);
        assertThat(serf.get("CheckID").asText()).isEqualTo("serfHealth");
        assertThat(serf.get("ServiceID").asText()).isEmpty();
        assertThat(serf.get("ServiceTags").isArray()).isTrue();
        JsonNode own = checks.get(1);
        assertThat(own.get("Node").asText()).isEqualTo("node-1");
        assertThat(own.get("CheckID").asText()).isEqualTo("service:web-1");
        assertThat(own.get("Name").asText()).isEqualTo("Service 'web' check");
        assertThat(own.get("Status").asText()).isEqualTo("passing");
        assertThat(own.get("ServiceID").asText()).isEqualTo("web-1");
        assertThat(own.get("ServiceName").asText()).isEqualTo("web");
        assertThat(own.get("ServiceTags")).extracting(JsonNode::asText).containsExactly("v2", "blue");
        assertThat(own.has("Output")).isTrue();
    }

    @Test
    void emptyAddressAndNoTagsAreRenderedAsConsulDoes() {
        consul.register(ServiceSpec.instance("api-1", "api").port(9000));

        JsonNode service = ConsulAnswer.json(http.get("/v1/health/service/api")).get(0).get("Service");

        assertThat(service.get("Address").isTextual()).isTrue();
        assertThat(service.get("Address").asText()).isEmpty();
        assertThat(service.get("Tags").isArray()).isTrue();
        assertThat(service.get("Tags")).isEmpty();
        assertThat(service.get("Meta").isNull()).as("no Meta registered renders as null, as on 1.21").isTrue();
        assertThat(service.has("TaggedAddresses")).isFalse();
    }

    @Test
    void readHeadersArePresent() {
        consul.register(ServiceSpec.instance("web-1", "web").port(8080));

        HttpResponse<String> response = http.get("/v1/health/service/web");

        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(ConsulAnswer.index(response)).isGreaterThanOrEqualTo(1);
        assertThat(response.headers().firstValue("X-Consul-KnownLeader")).hasValue("true");
        assertThat(response.headers().firstValue("X-Consul-LastContact")).hasValue("0");
        assertThat(response.headers().firstValue("X-Consul-Effective-Consistency")).hasValue("leader");
    }

    @Test
    void unknownServiceIsAnEmptyArrayWithAnIndexNeverA404() {
        HttpResponse<String> response = http.get("/v1/health/service/nope");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("[]");
        assertThat(ConsulAnswer.index(response)).isEqualTo(1);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    }

    @Test
    void serviceNameLookupIsCaseInsensitive() {
        consul.register(ServiceSpec.instance("web-1", "web").port(8080));

        assertThat(ConsulAnswer.json(http.get("/v1/health/service/WEB"))).hasSize(1);
    }

    @Test
    void onlyTheNodeChecksAndTheInstancesOwnChecksAreListed() {
        consul.register(ServiceSpec.instance("web-1", "web").port(8080).passing());
        consul.register(ServiceSpec.instance("db-1", "db").port(5432).critical());

        JsonNode checks = ConsulAnswer.json(http.get("/v1/health/service/web")).get(0).get("Checks");

        assertThat(checks).extracting(c -> c.get("CheckID").asText()).containsExactly("serfHealth", "service:web-1");
    }

    @Test
    void prettyPrintsOnRequest() {
        consul.register(ServiceSpec.instance("web-1", "web").port(8080));

        assertThat(http.get("/v1/health/service/web?pretty").body()).contains("\n");
    }
}
