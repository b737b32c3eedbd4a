package io.canarybalancer.replica.errors;

import com.fasterxml.jackson.core.JsonGenerationException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidDefinitionException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.canarybalancer.replica.api.ErrorBody;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Turns a request body Jackson could not read into a {@code 400} that names the field at fault
 * ({@code "amount must be an integer"}) or says where the JSON broke. Dropwizard's own mapper answers a
 * bare "Unable to process JSON", which leaves a client guessing. Failures to write a response are server
 * bugs and stay {@code 500}.
 */
@Provider
public class JsonErrorMapper implements ExceptionMapper<JsonProcessingException> {

    private static final Logger LOG = LoggerFactory.getLogger(JsonErrorMapper.class);

    @Override
    public Response toResponse(JsonProcessingException exception) {
        if (exception instanceof JsonGenerationException || exception instanceof InvalidDefinitionException) {
            LOG.error("could not map JSON", exception);
            return respond(ErrorBody.of(500, "the server could not process JSON"));
        }
        if (exception instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            String problem = fieldName(mapping) + " " + describe(mapping);
            return respond(new ErrorBody(400, problem, List.of(problem)));
        }
        if (exception instanceof MismatchedInputException) {
            return respond(ErrorBody.of(400, "the request body must be a JSON object"));
        }
        String field = currentField(exception);
        if (field != null) {
            String problem = field + " is not a valid value: " + exception.getOriginalMessage();
            return respond(new ErrorBody(400, problem, List.of(problem)));
        }
        return respond(ErrorBody.of(400, "malformed JSON: " + exception.getOriginalMessage() + location(exception)));
    }

    private static String fieldName(JsonMappingException mapping) {
        return mapping.getPath().stream()
                .map(reference -> reference.getFieldName() != null
                        ? reference.getFieldName() : "[" + reference.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }

    private static String describe(JsonMappingException mapping) {
        if (mapping instanceof UnrecognizedPropertyException) {
            return "is not a known field";
        }
        if (mapping instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null) {
            Class<?> type = mismatch.getTargetType();
            if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
                return "must be an integer";
            }
            if (type == String.class) {
                return "must be a string";
            }
            if (type.isEnum()) {
                return "must be one of " + List.of(type.getEnumConstants());
            }
        }
        return "has the wrong type";
    }

    // A number out of range fails in the parser, before databind knows the path: ask the parser instead.
    private static String currentField(JsonProcessingException exception) {
        if (exception instanceof InputCoercionException coercion && coercion.getProcessor() != null) {
            try {
                return coercion.getProcessor().currentName();
            } catch (Exception e) {
                return null;
            }
        }
        return null;
    }

    private static String location(JsonProcessingException exception) {
        if (exception.getLocation() == null || exception.getLocation().getLineNr() < 0) {
            return "";
        }
        return " (line " + exception.getLocation().getLineNr() + ", column " + exception.getLocation().getColumnNr() + ")";
    }

    private static Response respond(ErrorBody body) {
        return Response.status(body.code()).type(MediaType.APPLICATION_JSON_TYPE).entity(body).build();
    }
}
