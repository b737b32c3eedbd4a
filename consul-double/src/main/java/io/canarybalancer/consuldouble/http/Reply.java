package io.canarybalancer.consuldouble.http;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A complete HTTP answer before it reaches Netty: plain bytes and headers, no reference-counted buffers,
 * so it can be built under the state lock, rewritten by faults and written later from any thread.
 *
 * @param status  HTTP status code
 * @param headers response headers in insertion order (Content-Type included)
 * @param body    response body, never null
 */
public record Reply(int status, Map<String, String> headers, byte[] body) {

    static final String JSON = "application/json";
    static final String TEXT = "text/plain; charset=utf-8";

    public Reply {
        headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    }

    public static Reply json(int status, byte[] body) {
        return new Reply(status, Map.of("Content-Type", JSON), body);
    }

    public static Reply text(int status, String body) {
        return new Reply(status, Map.of("Content-Type", TEXT), body.getBytes(StandardCharsets.UTF_8));
    }

    /** A write that succeeded with no body, as the agent answers registrations. */
    public static Reply emptyOk() {
        return new Reply(200, Map.of(), new byte[0]);
    }

    public Reply withHeader(String name, String value) {
        Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.put(name, value);
        return new Reply(status, copy, body);
    }

    public Reply withoutHeader(String name) {
        Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.remove(name);
        return new Reply(status, copy, body);
    }

    public Reply withBody(byte[] newBody) {
        return new Reply(status, headers, newBody);
    }
}
