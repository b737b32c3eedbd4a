package io.canarybalancer.replica.errors;

import io.canarybalancer.replica.api.ErrorBody;
import io.dropwizard.jersey.validation.ConstraintMessage;
import io.dropwizard.jersey.validation.JerseyViolationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

import java.util.List;

/**
 * Answers invalid input with {@code 400} and one message per field at fault, sorted. Dropwizard answers a
 * bad request body with {@code 422}; the services' contract says {@code 400}, as the original exercise did.
 */
@Provider
public class ValidationErrorMapper implements ExceptionMapper<JerseyViolationException> {

    @Override
    public Response toResponse(JerseyViolationException exception) {
        List<String> errors = exception.getConstraintViolations().stream()
                .map(violation -> ConstraintMessage.getMessage(violation, exception.getInvocable()))
                .distinct()
                .sorted()
                .toList();
        ErrorBody body = new ErrorBody(400, String.join("; ", errors), errors);
        return Response.status(400).type(MediaType.APPLICATION_JSON_TYPE).entity(body).build();
    }
}
