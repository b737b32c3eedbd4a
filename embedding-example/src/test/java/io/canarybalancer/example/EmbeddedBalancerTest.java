package io.canarybalancer.example;

import com.sun.net.httpserver.HttpServer;
import io.canarybalancer.api.CanaryBalancer;
import io.canarybalancer.api.Discovery;
import io.canarybalancer.api.InMemoryReplicas;
import io.canarybalancer.api.Replica;
import io.canarybalancer.api.Route;
import io.canarybalancer.api.RouteStatus;
import io.canarybalancer.api.Strategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a team does to put a real canary balancer in front of its own servers in a test: two tiny
 * HTTP servers (a stable and a canary version), the balancer embedded in this JVM with a weighted
 * route, the split checked, the canary promoted, everything closed. Only {@code io.canarybalancer.api}.
 */
class EmbeddedBalancerTest {
    static {
        // The JDK's server writes a small answer's head and body apart; with Nagle's algorithm on,
        // each answer would wait for the balancer's delayed ACK (40 ms on Linux).
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private final HttpClient client = HttpClient.newHttpClient();
    private HttpServer stable;
    private HttpServer canary;

    @AfterEach
    void stopServers() {
        stable.stop(0);
        canary.stop(0);
    }

    @Test
    void splitsPromotesAndCloses() throws Exception {
        stable = server("v1");
        canary = server("v2");
        InMemoryReplicas replicas = Discovery.inMemory()
                .set("service-v1", Replica.of("127.0.0.1", stable.getAddress().getPort()))
                .set("service-v2", Replica.of("127.0.0.1", canary.getAddress().getPort()));

        try (CanaryBalancer balancer = CanaryBalancer.builder()
                .route(Route.builder("/").name("api").strategy(Strategy.weight(25)).build())
                .discovery(replicas)
                .start()) {
            assertThat(versions(balancer.port(), 400)).isEqualTo(Map.of("v1", 300, "v2", 100));

            RouteStatus promoted = balancer.rollout("api").promote();
            assertThat(promoted.strategy()).isEqualTo(Strategy.weight(100));
            assertThat(versions(balancer.port(), 100)).isEqualTo(Map.of("v2", 100));
            assertThat(balancer.status()).singleElement().satisfies(route -> {
                assertThat(route.stableRequests()).isEqualTo(300);
                assertThat(route.canaryRequests()).isEqualTo(200);
            });
        }
    }

    /** Which version answered each of {@code requests} GETs through the balancer, counted. */
    private Map<String, Integer> versions(int port, int requests) throws IOException, InterruptedException {
        Map<String, Integer> counts = new TreeMap<>();
        for (int i = 0; i < requests; i++) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/version")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            counts.merge(response.body(), 1, Integer::sum);
        }
        return counts;
    }

    /** A server on a free port of 127.0.0.1 that answers every request with {@code version}. */
    private static HttpServer server(String version) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        byte[] body = version.getBytes(StandardCharsets.US_ASCII);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return server;
    }
}
