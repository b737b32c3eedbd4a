package io.canarybalancer.message;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.canarybalancer.testsupport.Http;
import io.canarybalancer.testsupport.TestDatabases;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole service, started from config/message-service.yml on an H2 file, over real HTTP. Delivery is
 * off (0 workers), so accepted messages stay queued: this test is about the service's surface.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class MessageServiceApplicationTest {

    static final DropwizardAppExtension<MessageServiceConfiguration> APP = new DropwizardAppExtension<>(
            MessageServiceFixture.service(TestDatabases.h2(), URI.create("http://127.0.0.1:9"),
                    URI.create("http://127.0.0.1:9"), 0, Map.of("SERVICE_NAME", "service-v2", "SERVICE_TAGS", "message")));

    private final Http http = new Http();
    private final ObjectMapper json = new ObjectMapper();

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        return http.sendJson(method, Http.local(APP.getLocalPort()) + path, body);
    }

    private int messageCount() throws Exception {
        JsonNode page = json.readTree(send("GET", "/messages?limit=500", null).body());
        return page.get("messages").size();
    }

    @Test
    void versionNamesTheMessageService() throws Exception {
        HttpResponse<String> response = send("GET", "/version", null);

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode version = json.readTree(response.body());
        assertThat(version.get("service").asText()).isEqualTo("message-service");
        assertThat(version.get("version").asText()).isEqualTo("v2");
        assertThat(version.get("serviceName").asText()).isEqualTo("service-v2");
        assertThat(version.get("replica").asText()).isEqualTo("service-v2-127.0.0.1-" + APP.getLocalPort());
    }

    @Test
    void healthIsUpWithTheDatabaseCheck() throws Exception {
        HttpResponse<String> response = send("GET", "/health", null);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json.readTree(response.body()).get("checks").get("database").asText()).isEqualTo("healthy");
    }

    @Test
    void anAcceptedMessageIsQueuedAndFoundOnBothStatusPaths() throws Exception {
        HttpResponse<String> accepted = send("POST", "/messages", "{\"destination\":\"+34600000000\",\"body\":\"hello\"}");

        assertThat(accepted.statusCode()).isEqualTo(200);
        String id = json.readTree(accepted.body()).get("messageId").asText();
        for (String path : new String[] {"/messages/" + id + "/status", "/message/" + id + "/status"}) {
            HttpResponse<String> status = send("GET", path, null);
            assertThat(status.statusCode()).isEqualTo(200);
            assertThat(json.readTree(status.body()).get("status").asText()).isEqualTo("QUEUED");
        }
    }

    @Test
    void badMessagesAre400AndStoreNothing() throws Exception {
        int before = messageCount();

        for (String body : new String[] {"{}", "{\"destination\":\"x\"}", "{\"body\":\"x\"}",
                "{\"destination\":\"x\",\"body\":\"" + "b".repeat(1001) + "\"}", "{\"destination\":", "[]", ""}) {
            HttpResponse<String> response = send("POST", "/messages", body);

            assertThat(response.statusCode()).as(body).isEqualTo(400);
            assertThat(json.readTree(response.body()).get("message").asText()).as(body).isNotBlank();
        }
        assertThat(messageCount()).isEqualTo(before);
    }

    @Test
    void unknownIdIs404() throws Exception {
        assertThat(send("GET", "/messages/00000000-0000-0000-0000-000000000000/status", null).statusCode()).isEqualTo(404);
        assertThat(send("GET", "/message/nope/status", null).statusCode()).isEqualTo(404);
    }

    @Test
    void unknownFieldIs400NamingItAndStoresNothing() throws Exception {
        int before = messageCount();

        HttpResponse<String> response = send("POST", "/messages",
                "{\"destination\":\"+34600000000\",\"body\":\"hello\",\"priority\":\"high\"}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json.readTree(response.body()).get("errors").get(0).asText()).isEqualTo("priority is not a known field");
        assertThat(messageCount()).isEqualTo(before);
    }

    @Test
    void badQueryParameterIs400NamingIt() throws Exception {
        for (String query : new String[] {"limit=abc", "limit=1.5", "limit=99999999999", "limit=0", "after=x"}) {
            HttpResponse<String> response = send("GET", "/messages?" + query, null);

            assertThat(response.statusCode()).as(query).isEqualTo(400);
            JsonNode error = json.readTree(response.body());
            assertThat(error.get("code").asInt()).as(query).isEqualTo(400);
            assertThat(error.get("message").asText()).as(query).startsWith("query param " + query.substring(0, query.indexOf('=')) + " ");
        }
        assertThat(json.readTree(send("GET", "/messages?limit=abc", null).body()).get("errors").get(0).asText())
                .isEqualTo("query param limit is not a valid value: For input string: \"abc\"");
    }
}
