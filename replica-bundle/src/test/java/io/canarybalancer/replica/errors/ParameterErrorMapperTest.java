package io.canarybalancer.replica.errors;

import com.fasterxml.jackson.databind.JsonNode;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.dropwizard.testing.junit5.ResourceExtension;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(DropwizardExtensionsSupport.class)
class ParameterErrorMapperTest {

    /** Integer parameters of each kind. */
    @Path("/numbers")
    @Produces(MediaType.APPLICATION_JSON)
    public static class NumbersResource {

        @GET
        public Map<String, Integer> query(@QueryParam("limit") Integer limit, @HeaderParam("X-Page") Integer page) {
            return Map.of("limit", limit == null ? 0 : limit, "page", page == null ? 0 : page);
        }

        @GET
        @Path("/{id}")
        public Map<String, Integer> path(@PathParam("id") int id) {
            return Map.of("id", id);
        }
    }

    // Dropwizard's default mappers stay registered, so these tests also show that ours wins.
    static final ResourceExtension RESOURCES = ResourceExtension.builder()
            .addResource(new NumbersResource())
            .addProvider(new ParameterErrorMapper())
            .build();

    @Test
    void aQueryParameterThatDoesNotParseIsA400NamingIt() {
        Response response = RESOURCES.target("/numbers").queryParam("limit", "abc").request().get();

        assertThat(response.getStatus()).isEqualTo(400);
        JsonNode error = response.readEntity(JsonNode.class);
        assertThat(error.get("code").asInt()).isEqualTo(400);
        assertThat(error.get("errors").get(0).asText())
                .isEqualTo("query param limit is not a valid value: For input string: \"abc\"");
    }

    @Test
    void aHeaderThatDoesNotParseIsA400NamingIt() {
        Response response = RESOURCES.target("/numbers").request().header("X-Page", "two").get();

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(response.readEntity(JsonNode.class).get("message").asText()).startsWith("header X-Page is not a valid value");
    }

    @Test
    void aPathParameterThatDoesNotParseNamesNoResource() {
        Response response = RESOURCES.target("/numbers/abc").request().get();

        assertThat(response.getStatus()).isEqualTo(404);
        assertThat(response.readEntity(JsonNode.class).get("code").asInt()).isEqualTo(404);
    }

    @Test
    void goodParametersPass() {
        Response response = RESOURCES.target("/numbers").queryParam("limit", "7").request().header("X-Page", "2").get();

        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.readEntity(JsonNode.class).get("limit").asInt()).isEqualTo(7);
    }
}
