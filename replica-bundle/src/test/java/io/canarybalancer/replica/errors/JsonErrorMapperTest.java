package io.canarybalancer.replica.errors;

import com.fasterxml.jackson.databind.JsonNode;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.dropwizard.testing.junit5.ResourceExtension;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(DropwizardExtensionsSupport.class)
class JsonErrorMapperTest {

    // Dropwizard's default mappers stay registered, so these tests also show that ours win.
    static final ResourceExtension RESOURCES = ResourceExtension.builder()
            .setMapper(StrictJson.configure(Jackson.newObjectMapper()))
            .addResource(new EchoResource())
            .addProvider(new JsonErrorMapper())
            .addProvider(new ValidationErrorMapper())
            .build();

    private static Response post(String json) {
        return RESOURCES.target("/echo").request().post(Entity.entity(json, MediaType.APPLICATION_JSON_TYPE));
    }

    private static JsonNode errorOf(Response response) {
        assertThat(response.getMediaType().isCompatible(MediaType.APPLICATION_JSON_TYPE)).isTrue();
        return response.readEntity(JsonNode.class);
    }

    @Test
    void acceptsValidInput() {
        Response response = post("{\"amount\": 5, \"name\": \"abc\"}");

        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.readEntity(JsonNode.class).get("amount").asLong()).isEqualTo(5);
    }

    @Test
    void malformedJsonIsA400SayingWhere() {
        Response response = post("{\"amount\": 5,");

        assertThat(response.getStatus()).isEqualTo(400);
        JsonNode error = errorOf(response);
        assertThat(error.get("code").asInt()).isEqualTo(400);
        assertThat(error.get("message").asText()).startsWith("malformed JSON: ").contains("line 1");
    }

    @Test
    void unknownFieldNamesIt() {
        Response response = post("{\"amount\": 5, \"name\": \"abc\", \"colour\": \"red\"}");

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(errorOf(response).get("errors").get(0).asText()).isEqualTo("colour is not a known field");
    }

    @Test
    void fractionForAnIntegerNamesTheField() {
        Response response = post("{\"amount\": 1.5, \"name\": \"abc\"}");

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(errorOf(response).get("errors").get(0).asText()).isEqualTo("amount must be an integer");
    }

    @Test
    void stringForAnIntegerNamesTheField() {
        Response response = post("{\"amount\": \"5\", \"name\": \"abc\"}");

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(errorOf(response).get("message").asText()).isEqualTo("amount must be an integer");
    }

    @Test
    void numberForAStringNamesTheField() {
        Response response = post("{\"amount\": 5, \"name\": 12}");

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(errorOf(response).get("message").asText()).isEqualTo("name must be a string");
    }

    @Test
    void integerOutOfRangeNamesTheField() {
        Response response = post("{\"amount\": 123456789012345678901234567890, \"name\": \"abc\"}");

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(errorOf(response).get("message").asText()).startsWith("amount ");
    }

    @Test
    void arrayInsteadOfObjectIsA400() {
        Response response = post("[1, 2]");

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(errorOf(response).get("message").asText()).isEqualTo("the request body must be a JSON object");
    }
}
