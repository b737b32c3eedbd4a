package io.canarybalancer.credit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.canarybalancer.consuldouble.ConsulDouble;
import io.canarybalancer.consuldouble.catalog.RegisteredService;
import io.canarybalancer.testsupport.Http;
import io.canarybalancer.testsupport.ServiceFixture;
import io.canarybalancer.testsupport.TestDatabases;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The whole service, started from config/credit-service.yml on an H2 file, over real HTTP. */
@ExtendWith(DropwizardExtensionsSupport.class)
class CreditServiceApplicationTest {

    // Left running until the JVM exits: the app deregisters after @AfterAll methods would have run.
    static final ConsulDouble CONSUL = ConsulDouble.builder().jitter(false).start();

    static final DropwizardAppExtension<CreditServiceConfiguration> APP = new DropwizardAppExtension<>(
            ServiceFixture.service(CreditServiceApplication.class, "credit-service.yml", TestDatabases.h2(),
                    Map.of("SERVICE_NAME", "service-v2", "CONSUL_HTTP_ADDR", CONSUL.url())));

    private final Http http = new Http();
    private final ObjectMapper json = new ObjectMapper();

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        return http.sendJson(method, Http.local(APP.getLocalPort()) + path, body);
    }

    private long balance() throws Exception {
        return json.readTree(send("GET", "/credit", null).body()).get("credit").asLong();
    }

    @Test
    void versionNamesTheCreditServiceAlsoUnderCredit() throws Exception {
        for (String path : new String[] {"/version", "/credit/version"}) {
            HttpResponse<String> response = send("GET", path, null);

            assertThat(response.statusCode()).isEqualTo(200);
            JsonNode version = json.readTree(response.body());
            assertThat(version.get("service").asText()).isEqualTo("credit-service");
            assertThat(version.get("version").asText()).isEqualTo("v2");
            assertThat(version.get("serviceName").asText()).isEqualTo("service-v2");
            assertThat(version.get("replica").asText()).isEqualTo("service-v2-127.0.0.1-" + APP.getLocalPort());
        }
    }

    @Test
    void registersInConsulWithTheCreditTagAndAHealthCheckThatPasses() throws Exception {
        String id = "service-v2-127.0.0.1-" + APP.getLocalPort();
        RegisteredService service = await().atMost(Duration.ofSeconds(10))
                .until(() -> CONSUL.service(id), Optional::isPresent).orElseThrow();
        assertThat(service.name()).isEqualTo("service-v2");
        assertThat(service.tags()).containsExactly("credit");
        assertThat(service.port()).isEqualTo(APP.getLocalPort());
        String checkUrl = CONSUL.checks(id).get(0).http();
        assertThat(checkUrl).isEqualTo("http://127.0.0.1:" + APP.getLocalPort() + "/health");
        assertThat(http.get(checkUrl).statusCode()).isEqualTo(200);
    }

    @Test
    void healthIsUpWithTheDatabaseCheck() throws Exception {
        HttpResponse<String> response = send("GET", "/health", null);

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode health = json.readTree(response.body());
        assertThat(health.get("status").asText()).isEqualTo("UP");
        assertThat(health.get("checks").get("database").asText()).isEqualTo("healthy");
    }

    @Test
    void topUpChargeAndRefundOverHttp() throws Exception {
        String messageId = UUID.randomUUID().toString();
        long before = balance();

        assertThat(send("POST", "/credit", "{\"amount\": 3}").statusCode()).isEqualTo(200);
        assertThat(send("PUT", "/credit/charges/" + messageId, null).statusCode()).isEqualTo(201);
        assertThat(send("PUT", "/credit/charges/" + messageId, null).statusCode()).isEqualTo(200);
        assertThat(balance()).isEqualTo(before + 2);
        assertThat(send("PUT", "/credit/charges/" + messageId + "/refund", null).statusCode()).isEqualTo(200);
        assertThat(send("PUT", "/credit/charges/" + messageId + "/refund", null).statusCode()).isEqualTo(200);
        assertThat(balance()).isEqualTo(before + 3);
    }

    @Test
    void badTopUpsAreRefusedAndChangeNothing() throws Exception {
        long before = balance();

        for (String body : new String[] {"{\"amount\": -1}", "{\"amount\": 1.5}", "{\"amount\": \"1\"}", "{}",
                "{\"amount\": 1", "{\"amount\": 99999999999999999999}", ""}) {
            HttpResponse<String> response = send("POST", "/credit", body);

            assertThat(response.statusCode()).as(body).isEqualTo(400);
            assertThat(json.readTree(response.body()).get("message").asText()).as(body).isNotBlank();
        }
        assertThat(balance()).isEqualTo(before);
    }

    @Test
    void unknownChargeAndRefundAre404AndChangeNothing() throws Exception {
        long before = balance();

        assertThat(send("GET", "/credit/charges/nope", null).statusCode()).isEqualTo(404);
        assertThat(send("PUT", "/credit/charges/nope/refund", null).statusCode()).isEqualTo(404);
        assertThat(balance()).isEqualTo(before);
    }

    @Test
    void unknownFieldIs400NamingItAndChangesNothing() throws Exception {
        long before = balance();

        HttpResponse<String> response = send("POST", "/credit", "{\"amount\": 5, \"currency\": \"EUR\"}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json.readTree(response.body()).get("errors").get(0).asText()).isEqualTo("currency is not a known field");
        assertThat(balance()).isEqualTo(before);
    }

    @Test
    void aRefundThatArrivesBeforeItsChargeBarsTheCharge() throws Exception {
        String messageId = UUID.randomUUID().toString();
        assertThat(send("POST", "/credit", "{\"amount\": 2}").statusCode()).isEqualTo(200);
        long before = balance();

        HttpResponse<String> refund = send("PUT", "/credit/charges/" + messageId + "/refund", null);
        HttpResponse<String> lateCharge = send("PUT", "/credit/charges/" + messageId, null);

        assertThat(refund.statusCode()).isEqualTo(404);
        assertThat(json.readTree(refund.body()).get("message").asText()).endsWith("was never charged");
        assertThat(lateCharge.statusCode()).isEqualTo(409);
        assertThat(json.readTree(lateCharge.body()).get("message").asText())
                .isEqualTo("message " + messageId + " was refunded before it was charged: it can never be charged");
        // Both stay as they were when repeated.
        assertThat(send("PUT", "/credit/charges/" + messageId, null).statusCode()).isEqualTo(409);
        assertThat(send("PUT", "/credit/charges/" + messageId + "/refund", null).statusCode()).isEqualTo(404);
        assertThat(send("GET", "/credit/charges/" + messageId, null).statusCode()).isEqualTo(404);
        assertThat(balance()).isEqualTo(before);
    }
}
