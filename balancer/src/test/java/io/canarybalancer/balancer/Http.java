package io.canarybalancer.balancer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Collectors;

/** A real HTTP/1.1 client for integration tests, with helpers to fire and tally many requests. */
public final class Http {
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    public HttpClient client() {
        return client;
    }

    public HttpResponse<String> get(String url, String... headers) throws Exception {
        return client.send(request(url, headers).build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Sends a request with this method and body (none when empty), as the admin API takes them: a
     * change carries {@code Content-Type: application/json}, with or without a body.
     */
    public HttpResponse<String> send(String method, String url, String body) throws Exception {
        HttpRequest request = request(url, "Content-Type", "application/json")
                .method(method, body.isEmpty() ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** Sends {@code count} GETs at once and waits for all of them. */
    public List<HttpResponse<String>> concurrentGets(String url, int count, String... headers) {
        List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            futures.add(client.sendAsync(request(url, headers).build(), HttpResponse.BodyHandlers.ofString()));
        }
        return futures.stream().map(CompletableFuture::join).toList();
    }

    public static HttpRequest.Builder request(String url, String... headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        if (headers.length > 0) {
            builder.headers(headers);
        }
        return builder;
    }

    /** How many responses share each value of {@code key}. */
    public static <T> Map<T, Long> tally(List<HttpResponse<String>> responses, Function<HttpResponse<String>, T> key) {
        return responses.stream().collect(Collectors.groupingBy(key, Collectors.counting()));
    }

    public static String pool(HttpResponse<String> response) {
        return response.headers().firstValue("X-Canary-Pool").orElse("none");
    }
}
