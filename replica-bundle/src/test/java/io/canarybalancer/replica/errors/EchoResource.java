package io.canarybalancer.replica.errors;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** A resource whose only job is to have its input rejected. */
@Path("/echo")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class EchoResource {

    /** A request with an integer and a string field. */
    public record Input(
            @JsonProperty("amount") @NotNull @Min(1) @Max(1000) Long amount,
            @JsonProperty("name") @NotBlank @Size(max = 5) String name) {
    }

    @POST
    public Input echo(@NotNull @Valid Input input) {
        return input;
    }
}
