package io.canarybalancer.api;

import io.canarybalancer.balancer.TestBackend;
import io.canarybalancer.balancer.config.BalancerConfig;
import io.canarybalancer.balancer.config.ConfigLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The public API end to end, in this JVM: a balancer built in code or from YAML in front of real
 * HTTP servers, its split, rollout changes and replicas moved by the program, and the errors a
 * program gets.
 */
class CanaryBalancerTest {
    private final HttpClient client = HttpClient.newHttpClient();
    private final List<AutoCloseable> started = new ArrayList<>();
    private TestBackend stable;
    private TestBackend canary;
    private InMemoryReplicas replicas;

    @TempDir
    Path dir;

    @BeforeEach
    void servers() throws Exception {
        stable = started(new TestBackend("stable"));
        canary = started(new TestBackend("canary"));
        replicas = Discovery.inMemory()
                .set("service-v1", Replica.of("127.0.0.1", stable.port()))
                .set("service-v2", Replica.of("127.0.0.1", canary.port()));
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
    }

    @Test
    void splitsByWeightPromotesRollsBackAndReportsItsStatus() throws Exception {
        CanaryBalancer balancer = started(CanaryBalancer.builder()
                .route(Route.builder("/").name("api").strategy(Strategy.weight(25)).build())
                .discovery(replicas)
                .start());

        assertThat(canaryAnswers(balancer, 400)).isEqualTo(100);
        RouteStatus status = balancer.status().get(0);
        assertThat(status.name()).isEqualTo("api");
        assertThat(status.strategy()).isEqualTo(Strategy.weight(25));
        assertThat(status.stableReplicas()).isEqualTo(1);
        assertThat(status.canaryReplicas()).isEqualTo(1);
        assertThat(status.stableRequests()).isEqualTo(300);
        assertThat(status.canaryRequests()).isEqualTo(100);

        assertThat(balancer.rollout("api").promote().strategy()).isEqualTo(Strategy.weight(100));
        assertThat(canaryAnswers(balancer, 100)).isEqualTo(100);
        balancer.rollout("api").rollBack();
        assertThat(canaryAnswers(balancer, 100)).isZero();
        assertThat(balancer.rollout("api").weight(50).strategy().weight()).isEqualTo(50);
        assertThat(balancer.rollout("api").pause().paused()).isTrue();
        assertThat(canaryAnswers(balancer, 100)).isZero();
        assertThat(balancer.rollout("api").resume().paused()).isFalse();
        assertThat(canaryAnswers(balancer, 100)).isEqualTo(50);
    }

    @Test
    void theProgramMovesReplicasBetweenThePools() throws Exception {
        CanaryBalancer balancer = started(CanaryBalancer.builder()
                .route(Route.builder("/").build()) // replicas strategy: the canary's share is its replica share
                .discovery(replicas)
                .start());
        assertThat(canaryAnswers(balancer, 100)).isEqualTo(50);

        replicas.set("service-v1").set("service-v2", Replica.of("127.0.0.1", stable.port()),
                Replica.of("127.0.0.1", canary.port()));
        assertThat(canaryAnswers(balancer, 100)).as("every request to the canary pool").isEqualTo(100);
        assertThat(balancer.status().get(0).stableReplicas()).isZero();
        assertThat(balancer.status().get(0).canaryReplicas()).isEqualTo(2);
    }

    @Test
    void aYamlFileMapsOntoTheSameBuilder() throws Exception {
        Path config = dir.resolve("balancer.yml");
        Files.writeString(config, """
                listen: 127.0.0.1:0
                admin: {listen: 127.0.0.1:0}
                discovery: {file: replicas.yml}
                routes:
                  - {name: orders, pathPrefix: /orders, strategy: header, header: {name: X-Beta}}
                  - {name: rest, pathPrefix: /, strategy: weight, weight: 10}
                """);
        Files.writeString(dir.resolve("replicas.yml"), "service-v1:\n  - {address: 127.0.0.1, port: " + stable.port()
                + "}\nservice-v2:\n  - {address: 127.0.0.1, port: " + canary.port() + "}\n");
        BalancerConfig fromFile = ConfigLoader.load(config);

        CanaryBalancer.Builder builder = CanaryBalancer.builder(config);
        assertThat(builder.routes()).extracting(route -> route.spec())
                .as("the routes the command line would run").isEqualTo(fromFile.routes());
        assertThat(builder.routes()).extracting(Route::name, Route::pathPrefix, Route::strategy, Route::header)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("orders", "/orders", Strategy.header(), "X-Beta"),
                        org.assertj.core.groups.Tuple.tuple("rest", "/", Strategy.weight(10), "X-Canary"));

        CanaryBalancer balancer = started(builder
                .route(Route.builder("/").name("rest").strategy(Strategy.weight(50)).build()) // replaces by name
                .start());
        assertThat(canaryAnswers(balancer, 100)).isEqualTo(50);
        assertThat(balancer.status()).extracting(RouteStatus::name).containsExactly("orders", "rest");
    }

    @Test
    void errorsSayWhatAndWhy() throws Exception {
        Path bad = dir.resolve("bad.yml");
        Files.writeString(bad, "discovery: {file: replicas.yml}\nroutes:\n  - {pathPrefix: /, strategy: sometimes}\n");
        assertThatThrownBy(() -> CanaryBalancer.builder(bad)).isInstanceOf(BalancerException.class)
                .hasMessageContaining("bad.yml").hasMessageContaining("strategy").hasMessageContaining("sometimes");

        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            assertThatThrownBy(() -> CanaryBalancer.builder().listen(taken.getLocalPort()).discovery(replicas).start())
                    .isInstanceOf(BalancerException.class).hasMessageContaining(String.valueOf(taken.getLocalPort()));
        }
        assertThatThrownBy(() -> CanaryBalancer.builder().admin("0.0.0.0", 0).discovery(replicas).start())
                .isInstanceOf(BalancerException.class).hasMessageContaining("token");
        assertThatThrownBy(() -> CanaryBalancer.builder().start()).isInstanceOf(BalancerException.class)
                .hasMessageContaining("discovery");
        assertThatThrownBy(() -> CanaryBalancer.builder().listen("no-such-host.invalid", 0).discovery(replicas).start())
                .isInstanceOf(BalancerException.class).hasMessageContaining("no-such-host.invalid");
        assertThatThrownBy(() -> Replica.of("127.0.0.1", 80).withWeight(65_536))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("65535");
        assertThatThrownBy(() -> Route.builder("orders")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'/'");
        assertThatThrownBy(() -> Strategy.weight(101)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> replicas.set("service-v1", Replica.of("not a host", 80)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CanaryBalancer.builder().route(Route.builder("/").name("a").build())
                .route(Route.builder("/").name("b").build())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("prefix");

        CanaryBalancer balancer = started(CanaryBalancer.builder().discovery(replicas).start());
        assertThat(balancer.status()).extracting(RouteStatus::name).as("the exercise's default route")
                .containsExactly("default");
        assertThatThrownBy(() -> balancer.rollout("nope")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("default");
    }

    @Test
    void oneBuilderStartsBalancersThatEachFollowTheReplicas() throws Exception {
        CanaryBalancer.Builder builder = CanaryBalancer.builder()
                .route(Route.builder("/").strategy(Strategy.weight(50)).build())
                .discovery(replicas);
        CanaryBalancer first = builder.start();
        CanaryBalancer second = started(builder.start());
        assertThat(second.port()).isNotEqualTo(first.port());
        first.close();

        replicas.set("service-v2");
        assertThat(canaryAnswers(second, 20)).as("the second still hears of changes once the first closed").isZero();
        assertThat(second.status().get(0).canaryReplicas()).isZero();
    }

    @Test
    void aFileWithoutRoutesLeavesTheDefaultRouteToStartAsAnEmptyBuilderDoes() throws Exception {
        Path config = dir.resolve("no-routes.yml");
        Files.writeString(config, "discovery: {file: replicas.yml}\n");
        Files.writeString(dir.resolve("replicas.yml"), "service-v1: []\nservice-v2: []\n");
        CanaryBalancer.Builder builder = CanaryBalancer.builder(config);
        assertThat(builder.routes()).isEmpty();
        assertThat(builder.route(Route.builder("/").name("all").build()).routes()).extracting(Route::name)
                .containsExactly("all");
    }

    @Test
    void closeDrainsAndFreesThePorts() throws Exception {
        CanaryBalancer balancer = CanaryBalancer.builder().discovery(replicas).start();
        int port = balancer.port();
        int admin = balancer.adminPort();
        assertThat(get(port, "/").statusCode()).isEqualTo(200);
        assertThat(get(admin, "/status").statusCode()).isEqualTo(200);
        balancer.close();
        balancer.close(); // twice is harmless
        try (ServerSocket again = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress());
             ServerSocket adminAgain = new ServerSocket(admin, 1, java.net.InetAddress.getLoopbackAddress())) {
            assertThat(again.getLocalPort()).isEqualTo(port);
            assertThat(adminAgain.getLocalPort()).isEqualTo(admin);
        }
    }

    /** Of {@code requests} GETs, how many the canary pool answered. */
    private int canaryAnswers(CanaryBalancer balancer, int requests) throws IOException, InterruptedException {
        int canaryAnswers = 0;
        for (int i = 0; i < requests; i++) {
            HttpResponse<String> response = get(balancer.port(), "/");
            assertThat(response.statusCode()).isEqualTo(200);
            if (response.headers().firstValue("x-canary-pool").orElseThrow().equals("canary")) {
                canaryAnswers++;
            }
        }
        return canaryAnswers;
    }

    private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private <T extends AutoCloseable> T started(T thing) {
        started.add(thing);
        return thing;
    }
}
