package io.canarybalancer.replica.errors;

import io.canarybalancer.replica.api.ErrorBody;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.MatrixParam;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import org.glassfish.jersey.server.ParamException;

import java.util.List;

/**
 * Answers a parameter that cannot be converted to its type ({@code GET /messages?limit=abc}) with a
 * {@code 400} that names it. JAX-RS answers a bad query parameter with a bare {@code 404}, as if the
 * resource did not exist; a path or matrix parameter is part of the resource's name, so it keeps the
 * {@code 404}, in JSON like every other error.
 */
@Provider
public class ParameterErrorMapper implements ExceptionMapper<ParamException> {

    @Override
    public Response toResponse(ParamException exception) {
        Class<?> kind = exception.getParameterType();
        if (kind == PathParam.class || kind == MatrixParam.class) {
            return respond(ErrorBody.of(404, "HTTP 404 Not Found"));
        }
        // Named as Dropwizard's validation messages name them ("query param limit must be ...").
        String problem = describe(kind) + " " + exception.getParameterName() + " is not a valid value" + cause(exception);
        return respond(new ErrorBody(400, problem, List.of(problem)));
    }

    private static String describe(Class<?> kind) {
        if (kind == HeaderParam.class) {
            return "header";
        }
        if (kind == CookieParam.class) {
            return "cookie";
        }
        if (kind == FormParam.class) {
            return "form field";
        }
        return "query param";
    }

    // The innermost cause says what was wrong with the value (For input string: "abc").
    private static String cause(Throwable exception) {
        Throwable cause = exception;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause == exception || cause.getMessage() == null ? "" : ": " + cause.getMessage();
    }

    private static Response respond(ErrorBody body) {
        return Response.status(body.code()).type(MediaType.APPLICATION_JSON_TYPE).entity(body).build();
    }
}
