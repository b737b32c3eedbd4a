package io.canarybalancer.consuldouble.http;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One HTTP request as the double received it, after percent-decoding: what a test asserts on to prove a
 * client sent {@code index}/{@code wait}, the right token, or the right registration body.
 *
 * @param sequence   1-based arrival order across the double's lifetime
 * @param receivedAt wall-clock arrival time
 * @param nanoTime   {@link System#nanoTime()} at arrival, for measuring gaps (back-off, rate limits)
 * @param method     HTTP method, upper case
 * @param path       decoded path, e.g. {@code /v1/kv/lb/pool a}
 * @param uri        the raw request target as sent
 * @param params     decoded query parameters in arrival order; flags sent without a value map to {@code ""}
 * @param headers    request headers, names in lower case
 * @param body       raw body bytes (empty when none)
 * @param fault      description of the injected fault that answered it, or null when served normally
 */
public record RecordedRequest(
        long sequence,
        Instant receivedAt,
        long nanoTime,
        String method,
        String path,
        String uri,
        Map<String, List<String>> params,
        Map<String, List<String>> headers,
        byte[] body,
        String fault) {

    public RecordedRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        params = frozen(params);
        headers = frozen(headers);
        body = body == null ? new byte[0] : body.clone();
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    /** @return the body decoded as UTF-8 */
    public String bodyAsString() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** @return the first value of a query parameter; {@code Optional.of("")} for a presence-only flag */
    public Optional<String> param(String name) {
        List<String> values = params.get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /** @return every value of a repeatable parameter such as {@code tag}, or an empty list */
    public List<String> paramValues(String name) {
        return params.getOrDefault(name, List.of());
    }

    public boolean hasParam(String name) {
        return params.containsKey(name);
    }

    /** @return the first value of a header, matched case-insensitively */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /**
     * The ACL token the agent would use, with its precedence: {@code ?token=} first, then
     * {@code X-Consul-Token}, then {@code Authorization: Bearer}.
     */
    public Optional<String> token() {
        Optional<String> query = param("token").filter(t -> !t.isEmpty());
        if (query.isPresent()) {
            return query;
        }
        Optional<String> header = header("X-Consul-Token").filter(t -> !t.isEmpty());
        if (header.isPresent()) {
            return header;
        }
        return header("Authorization")
                .filter(v -> v.regionMatches(true, 0, "Bearer ", 0, 7))
                .map(v -> v.substring(7).trim())
                .filter(t -> !t.isEmpty());
    }

    /** @return the injected fault that answered this request, if any */
    public Optional<String> appliedFault() {
        return Optional.ofNullable(fault);
    }

    /** @return true for methods that only read ({@code GET}, {@code HEAD}) */
    public boolean isRead() {
        return method.equals("GET") || method.equals("HEAD");
    }

    private static Map<String, List<String>> frozen(Map<String, List<String>> source) {
        Map<String, List<String>> copy = new LinkedHashMap<>();
        source.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        return Collections.unmodifiableMap(copy);
    }

    /** A copy marked as answered by the described fault; the server records that copy. */
    public RecordedRequest withFault(String description) {
        return new RecordedRequest(sequence, receivedAt, nanoTime, method, path, uri, params, headers, body, description);
    }

    @Override
    public String toString() {
        return "#" + sequence + " " + method + " " + uri + (fault == null ? "" : " [fault: " + fault + "]");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RecordedRequest other && other.sequence == sequence;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(sequence);
    }
}
