package io.canarybalancer.replica.api;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * Every error a service answers: the status again, one readable sentence, and for invalid input one entry
 * per field at fault ({@code "amount must be greater than or equal to 1"}). The shape matches Dropwizard's
 * own error bodies ({@code code}, {@code message}), so clients read all errors the same way.
 *
 * @param code    the HTTP status
 * @param message what went wrong
 * @param errors  the fields at fault, empty when the error isn't about input fields
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ErrorBody(int code, String message, List<String> errors) {

    public ErrorBody {
        errors = errors == null ? List.of() : List.copyOf(errors);
    }

    /** @return an error that names no field */
    public static ErrorBody of(int code, String message) {
        return new ErrorBody(code, message, List.of());
    }
}
