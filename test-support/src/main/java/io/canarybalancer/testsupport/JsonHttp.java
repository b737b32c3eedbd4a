package io.canarybalancer.testsupport;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Requests with a JSON body (or none) over real HTTP/1.1, as the services' tests send them. */
public final class JsonHttp {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** @return the base URI of a service listening on {@code port} of 127.0.0.1 */
    public static URI local(int port) {
        return URI.create("http://127.0.0.1:" + port);
    }

    /**
     * @param body the JSON body, or {@code null} for none
     * @return the answer, its body as a string
     */
    public HttpResponse<String> send(URI base, String method, String path, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** @return the answer to a GET of {@code url}, its body as a string */
    public HttpResponse<String> get(URI url) throws Exception {
        return send(url, "GET", url.toString(), null);
    }
}
