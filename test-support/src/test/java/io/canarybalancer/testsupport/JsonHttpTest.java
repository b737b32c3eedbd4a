package io.canarybalancer.testsupport;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** What {@link JsonHttp} puts on the wire, as a real server on 127.0.0.1 sees it. */
class JsonHttpTest {
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private final HttpServer server;

    JsonHttpTest() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            seen.add(exchange.getProtocol() + " " + exchange.getRequestMethod() + " " + exchange.getRequestURI()
                    + " " + exchange.getRequestHeaders().getFirst("Content-Type") + " [" + body + "]");
            byte[] answer = "{\"ok\": true}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(201, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void sendsTheJsonBodyOverHttp11() throws Exception {
        HttpResponse<String> response = new JsonHttp().send(JsonHttp.local(server.getAddress().getPort()), "PUT",
                "/credit/charges/m-1?x=1", "{\"amount\": 1}");

        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(response.body()).isEqualTo("{\"ok\": true}");
        assertThat(seen).containsExactly("HTTP/1.1 PUT /credit/charges/m-1?x=1 application/json [{\"amount\": 1}]");
    }

    @Test
    void noBodyIsAnEmptyOne() throws Exception {
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/health");

        assertThat(new JsonHttp().get(url).statusCode()).isEqualTo(201);
        assertThat(seen).containsExactly("HTTP/1.1 GET /health application/json []");
    }
}
