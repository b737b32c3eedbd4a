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

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(DropwizardExtensionsSupport.class)
class ValidationErrorMapperTest {

    static final ResourceExtension RESOURCES = ResourceExtension.builder()
            .setMapper(StrictJson.configure(Jackson.newObjectMapper()))
            .addResource(new EchoResource())
            .addProvider(new JsonErrorMapper())
            .addProvider(new ValidationErrorMapper())
            .build();

    private static Response post(String json) {
        return RESOURCES.target("/echo").request().post(Entity.entity(json, MediaType.APPLICATION_JSON_TYPE));
    }

    private static List<String> errors(Response response) {
        JsonNode body = response.readEntity(JsonNode.class);
        assertThat(body.get("code").asInt()).isEqualTo(400);
        List<String> errors = new ArrayList<>();
        body.get("errors").forEach(error -> errors.add(error.asText()));
        assertThat(body.get("message").asText()).isEqualTo(String.join("; ", errors));
        return errors;
    }

    @Test
    void missingFieldsAreA400NamingEachField() {
        Response response = post("{}");

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(errors(response)).containsExactly("amount must not be null", "name must not be blank");
    }

    @Test
    void outOfBoundsValuesNameTheirField() {
        Response response = post("{\"amount\": -3, \"name\": \"toolong\"}");

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(errors(response)).containsExactly("amount must be greater than or equal to 1",
                "name size must be between 0 and 5");
    }

    @Test
    void emptyBodyIsA400() {
        Response response = post("");

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(errors(response)).containsExactly("The request body must not be null");
    }
}
