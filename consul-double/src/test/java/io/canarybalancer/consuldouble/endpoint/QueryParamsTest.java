package io.canarybalancer.consuldouble.endpoint;

import com.fasterxml.jackson.databind.JsonNode;
import io.canarybalancer.consuldouble.ConsulAnswer;
import io.canarybalancer.consuldouble.ConsulDouble;
import io.canarybalancer.consuldouble.catalog.ServiceSpec;
import io.canarybalancer.testsupport.Http;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Query-string handling of the health endpoint: flags, repeated tags, validation errors. */
class QueryParamsTest {

    @AutoClose
    private final ConsulDouble consul = ConsulDouble.start();
    private final Http http = new Http(consul.url());

    @BeforeEach
    void register() {
        consul.register(ServiceSpec.instance("web-1", "web").port(8001).tags("v1", "Blue").passing());
        consul.register(ServiceSpec.instance("web-2", "web").port(8002).tags("v2", "blue").warning());
        consul.register(ServiceSpec.instance("web-3", "web").port(8003).tags("v2", "green").critical());
    }

    private List<String> ids(String query) {
        HttpResponse<String> response = http.get("/v1/health/service/web" + query);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        ConsulAnswer.json(response).forEach(entry -> ids.add(entry.get("Service").get("ID").asText()));
        return ids;
    }

    @ParameterizedTest
    @ValueSource(strings = {"?passing", "?passing=", "?passing=true", "?passing=1", "?passing=T"})
    void passingFlagFiltersWhateverTheSpelling(String query) {
        assertThat(ids(query)).containsExactly("web-1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "?passing=false", "?passing=0"})
    void passingFalseMeansNoFilter(String query) {
        assertThat(ids(query)).containsExactly("web-1", "web-2", "web-3");
    }

    @Test
    void passingJunkIsA400() {
        HttpResponse<String> response = http.get("/v1/health/service/web?passing=yes");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).isEqualTo("Invalid value for ?passing");
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
    }

    @Test
    void repeatedTagsAreAndedAndCaseInsensitive() {
        assertThat(ids("?tag=blue")).containsExactly("web-1", "web-2");
        assertThat(ids("?tag=BLUE&tag=v2")).containsExactly("web-2");
        assertThat(ids("?tag=v2&tag=blue&passing")).isEmpty();
    }

    @Test
    void parameterOrderIsIrrelevant() {
        assertThat(ids("?passing&tag=blue&stale")).isEqualTo(ids("?stale&tag=blue&passing"));
    }

    @Test
    void staleIsAPresenceFlag() {
        HttpResponse<String> response = http.get("/v1/health/service/web?stale=");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Consul-Effective-Consistency")).hasValue("stale");
    }

    @Test
    void staleWithConsistentIsRejected() {
        assertThat(http.get("/v1/health/service/web?stale&consistent").statusCode()).isEqualTo(400);
    }

    @Test
    void junkWaitAndIndexAreRejectedWithConsulsMessages() {
        HttpResponse<String> badWait = http.get("/v1/health/service/web?index=5&wait=10");
        HttpResponse<String> badIndex = http.get("/v1/health/service/web?index=-1");

        assertThat(badWait.statusCode()).isEqualTo(400);
        assertThat(badWait.body()).isEqualTo("Invalid wait time");
        assertThat(badIndex.statusCode()).isEqualTo(400);
        assertThat(badIndex.body()).isEqualTo("Invalid index");
    }

    @Test
    void enterpriseNamespaceAndUnsupportedFilterFailLoudly() {
        assertThat(http.get("/v1/health/service/web?ns=team").statusCode()).isEqualTo(400);
        assertThat(http.get("/v1/health/service/web?filter=Service.Port%3D%3D8001").statusCode()).isEqualTo(400);
    }

    @Test
    void unknownDatacenterIsA500AndTheLocalOneWorks() {
        assertThat(http.get("/v1/health/service/web?dc=dc9").statusCode()).isEqualTo(500);
        assertThat(http.get("/v1/health/service/web?dc=dc1").statusCode()).isEqualTo(200);
    }

    @Test
    void pathIsPercentDecoded() {
        consul.register(ServiceSpec.instance("odd-1", "odd name").port(1));

        JsonNode body = ConsulAnswer.json(http.get("/v1/health/service/odd%20name"));

        assertThat(body).hasSize(1);
    }
}
