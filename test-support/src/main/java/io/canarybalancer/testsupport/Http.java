package io.canarybalancer.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The tests' one HTTP client: real HTTP/1.1 requests, as the balancer's clients, the services' callers and
 * Consul's clients send them. Every answer is waited for a bounded time, and a failed request is thrown
 * unchecked, naming the request, with what went wrong as its cause. A client takes absolute URLs
 * ({@code new Http()}) or the paths of one server ({@code new Http(base)}); either way a URL is sent as
 * written, its percent-encoding kept.
 */
public final class Http {

    /** How long a request waits for its answer unless it says otherwise: a guard against a hung test, not a measure. */
    public static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final String base;

    /** A client for absolute URLs. */
    public Http() {
        this("");
    }

    /** @param base what every URL given to this client is appended to, e.g. {@code http://127.0.0.1:8500} */
    public Http(String base) {
        this.base = base;
    }

    /** @return the base URL of a server listening on {@code port} of 127.0.0.1 */
    public static String local(int port) {
        return "http://127.0.0.1:" + port;
    }

    /** @param headers names and values, in pairs */
    public HttpResponse<String> get(String url, String... headers) {
        return send("GET", url, null, headers);
    }

    /**
     * @param body    the body, or {@code null} or empty for none
     * @param headers names and values, in pairs: the only headers sent besides those HTTP itself needs
     */
    public HttpResponse<String> send(String method, String url, String body, String... headers) {
        HttpRequest request = request(base + url, headers).method(method, publisher(body)).build();
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + request.uri() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(method + " " + request.uri() + " interrupted", e);
        }
    }

    /**
     * A request as the JSON APIs here take one, the services' and the balancer's admin API:
     * {@code Content-Type: application/json}, whatever the method, with or without a body.
     *
     * @param body the JSON body, or {@code null} or empty for none
     */
    public HttpResponse<String> sendJson(String method, String url, String body) {
        return send(method, url, body, "Content-Type", "application/json");
    }

    /** @return the answer to a GET still under way, such as a blocking query or a slow request */
    public CompletableFuture<HttpResponse<String>> getAsync(String url) {
        return getAsync(url, TIMEOUT);
    }

    /** @param timeout how long this request waits for its answer; past it the answer fails with an HttpTimeoutException */
    public CompletableFuture<HttpResponse<String>> getAsync(String url, Duration timeout) {
        return client.sendAsync(request(base + url).timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Sends {@code count} GETs at once and waits for all of them. */
    public List<HttpResponse<String>> concurrentGets(String url, int count, String... headers) {
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            answers.add(client.sendAsync(request(base + url, headers).build(), HttpResponse.BodyHandlers.ofString()));
        }
        return answers.stream().map(CompletableFuture::join).toList();
    }

    /**
     * For what the methods above don't send (a streamed body, another body handler, another client such
     * as one speaking TLS or HTTP/2): a GET with these headers and the usual timeout, to be changed as needed.
     *
     * @param url an absolute URL, whatever client sends it
     */
    public static HttpRequest.Builder request(String url, String... headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT);
        if (headers.length > 0) {
            builder.headers(headers);
        }
        return builder;
    }

    /** @return the JDK client underneath, to send a {@link #request(String, String...)} built by hand */
    public HttpClient client() {
        return client;
    }

    /** @return how many of {@code responses} share each value of {@code key} */
    public static <T> Map<T, Long> tally(List<HttpResponse<String>> responses, Function<HttpResponse<String>, T> key) {
        return responses.stream().collect(Collectors.groupingBy(key, Collectors.counting()));
    }

    /**
     * @return the value of {@code future}, such as an answer from {@link #getAsync}, once there
     * @throws IllegalStateException if it failed (the failure as its cause) or took more than {@link #TIMEOUT}
     */
    public static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static HttpRequest.BodyPublisher publisher(String body) {
        return body == null || body.isEmpty() ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body);
    }
}
