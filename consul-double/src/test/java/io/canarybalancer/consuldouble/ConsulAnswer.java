package io.canarybalancer.consuldouble;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;

/** What the tests read from one of the double's answers, as Consul's clients read it: the JSON body and the index. */
public final class ConsulAnswer {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ConsulAnswer() {
    }

    /** @throws UncheckedIOException if the body is not JSON */
    public static JsonNode json(HttpResponse<String> response) {
        try {
            return MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the {@code X-Consul-Index} a blocking query passes back as {@code ?index=} */
    public static long index(HttpResponse<String> response) {
        return Long.parseLong(response.headers().firstValue("X-Consul-Index").orElseThrow());
    }
}
