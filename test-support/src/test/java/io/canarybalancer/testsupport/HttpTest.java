package io.canarybalancer.testsupport;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What {@link Http} puts on the wire, as a real server on 127.0.0.1 sees it, and how it reports failures. */
class HttpTest {
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final ExecutorService handlers = Executors.newCachedThreadPool();
    private final HttpServer server;

    HttpTest() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(handlers);
        server.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            seen.add(exchange.getProtocol() + " " + exchange.getRequestMethod() + " " + exchange.getRequestURI()
                    + " " + exchange.getRequestHeaders().getFirst("Content-Type") + " [" + body + "]");
            byte[] answer = "{\"ok\": true}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(201, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.createContext("/headers", exchange -> {
            seen.add(exchange.getRequestHeaders().getFirst("X-Canary") + " " + exchange.getRequestHeaders().getFirst("Content-Type"));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.createContext("/hang", exchange -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
        handlers.shutdownNow();
    }

    private String base() {
        return Http.local(server.getAddress().getPort());
    }

    @Test
    void sendsTheJsonBodyOverHttp11() {
        HttpResponse<String> response = new Http().sendJson("PUT", base() + "/credit/charges/m-1?x=1", "{\"amount\": 1}");

        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(response.body()).isEqualTo("{\"ok\": true}");
        assertThat(seen).containsExactly("HTTP/1.1 PUT /credit/charges/m-1?x=1 application/json [{\"amount\": 1}]");
    }

    @Test
    void noBodyIsAnEmptyOne() {
        Http http = new Http();

        assertThat(http.sendJson("GET", base() + "/health", null).statusCode()).isEqualTo(201);
        assertThat(http.sendJson("POST", base() + "/routes/default/rollback", "").statusCode()).isEqualTo(201);
        assertThat(seen).containsExactly("HTTP/1.1 GET /health application/json []",
                "HTTP/1.1 POST /routes/default/rollback application/json []");
    }

    @Test
    void aPlainRequestCarriesOnlyTheHeadersItIsGiven() {
        Http http = new Http();

        http.get(base() + "/headers");
        http.get(base() + "/headers", "X-Canary", "1");
        http.send("PUT", base() + "/headers", "blue", "X-Canary", "2");

        assertThat(seen).containsExactly("null null", "1 null", "2 null");
    }

    @Test
    void aClientOfOneServerSendsItsPathsAsWritten() {
        Http http = new Http(base());

        http.send("PUT", "/v1/kv/lb%2Fpool%20a?flags=3&cas=0", "blue");
        http.get("/v1/health/service/web?passing&index=7");

        assertThat(seen).containsExactly("HTTP/1.1 PUT /v1/kv/lb%2Fpool%20a?flags=3&cas=0 null [blue]",
                "HTTP/1.1 GET /v1/health/service/web?passing&index=7 null []");
    }

    @Test
    void aFailedRequestIsThrownUncheckedAndNamed() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        Http http = new Http(Http.local(closed));

        assertThatThrownBy(() -> http.get("/health")).isInstanceOf(UncheckedIOException.class)
                .hasMessage("GET http://127.0.0.1:" + closed + "/health failed")
                .hasCauseInstanceOf(ConnectException.class).hasRootCauseInstanceOf(IOException.class);
    }

    @Test
    void anAsyncGetGivesUpAfterItsOwnTimeout() {
        CompletableFuture<HttpResponse<String>> answer = new Http(base()).getAsync("/hang", Duration.ofMillis(200));

        assertThat(answer).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(Exception.class)
                .withCauseInstanceOf(HttpTimeoutException.class);
    }

    @Test
    void concurrentGetsAllAnswerAndAreTallied() {
        List<HttpResponse<String>> answers = new Http().concurrentGets(base() + "/version", 6);

        assertThat(Http.tally(answers, HttpResponse::statusCode)).isEqualTo(Map.of(201, 6L));
        assertThat(seen).hasSize(6).containsOnly("HTTP/1.1 GET /version null []");
    }

    @Test
    void awaitGivesTheValueOrThrowsTheFailure() {
        assertThat(Http.await(new Http(base()).getAsync("/version")).statusCode()).isEqualTo(201);
        assertThatThrownBy(() -> Http.await(CompletableFuture.failedFuture(new IOException("reset"))))
                .isInstanceOf(IllegalStateException.class).hasRootCauseMessage("reset");
    }
}
