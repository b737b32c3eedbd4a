package io.canarybalancer.consuldouble;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A thin JDK HttpClient wrapper talking to one double over real sockets (HTTP/1.1, as Consul clients do). */
public final class Http {

    public static final ObjectMapper MAPPER = new ObjectMapper();
    public static final Duration TIMEOUT = Duration.ofSeconds(5);

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    private final String base;

    public Http(ConsulDouble consul) {
        this.base = consul.url();
    }

    public HttpResponse<String> get(String pathAndQuery) {
        return send("GET", pathAndQuery, null);
    }

    public HttpResponse<String> put(String pathAndQuery, String body) {
        return send("PUT", pathAndQuery, body);
    }

    public HttpResponse<String> delete(String pathAndQuery) {
        return send("DELETE", pathAndQuery, null);
    }

    public HttpResponse<String> send(String method, String pathAndQuery, String body, String... headers) {
        try {
            return sendAsync(method, pathAndQuery, body, headers).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(method + " " + pathAndQuery + " failed", e);
        }
    }

    public CompletableFuture<HttpResponse<String>> getAsync(String pathAndQuery) {
        return sendAsync("GET", pathAndQuery, null);
    }

    public CompletableFuture<HttpResponse<String>> sendAsync(String method, String pathAndQuery, String body, String... headers) {
        return CLIENT.sendAsync(request(method, pathAndQuery, body, null, headers), HttpResponse.BodyHandlers.ofString());
    }

    /** Sends with a per-request timeout, so a hung answer surfaces as an HttpTimeoutException. */
    public CompletableFuture<HttpResponse<String>> getAsync(String pathAndQuery, Duration timeout) {
        return CLIENT.sendAsync(request("GET", pathAndQuery, null, timeout), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest request(String method, String pathAndQuery, String body, Duration timeout, String... headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + pathAndQuery))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (timeout != null) {
            builder.timeout(timeout);
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
        }
        return builder.build();
    }

    public static JsonNode json(HttpResponse<String> response) {
        try {
            return MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static long index(HttpResponse<String> response) {
        return Long.parseLong(response.headers().firstValue("X-Consul-Index").orElseThrow());
    }

    public static List<Throwable> causes(Throwable top) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = top; t != null && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }

    public static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
