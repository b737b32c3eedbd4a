package io.canarybalancer.replica;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.canarybalancer.consuldouble.ConsulDouble;
import io.canarybalancer.consuldouble.catalog.RegisteredCheck;
import io.canarybalancer.consuldouble.catalog.RegisteredService;
import io.canarybalancer.replica.registration.RegistrationState;
import io.dropwizard.core.Application;
import io.dropwizard.testing.DropwizardTestSupport;
import io.dropwizard.testing.ResourceHelpers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The bundle in a running service, against the Consul test double. */
class ReplicaBundleTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final ObjectMapper json = new ObjectMapper();
    private ConsulDouble consul;
    private DropwizardTestSupport<TestReplicaConfiguration> app;

    @BeforeEach
    void startConsul() {
        consul = ConsulDouble.builder().jitter(false).start();
    }

    @AfterEach
    void stopEverything() {
        if (app != null) {
            app.after();
        }
        consul.close();
    }

    @Test
    void registersNameTagsAddressPortAndHealthCheckOnceTheServerListens() throws Exception {
        start(Map.of("CONSUL_HTTP_ADDR", consul.url(), "SERVICE_NAME", "service-v2",
                "SERVICE_TAGS", "credit, canary"));
        String id = "service-v2-127.0.0.1-" + app.getLocalPort();

        await().atMost(WAIT).until(() -> consul.service(id).isPresent());
        RegisteredService service = consul.service(id).orElseThrow();
        assertThat(service.name()).isEqualTo("service-v2");
        assertThat(service.tags()).containsExactly("credit", "canary");
        assertThat(service.address()).isEqualTo("127.0.0.1");
        assertThat(service.port()).isEqualTo(app.getLocalPort());
        assertThat(service.meta()).containsEntry("version", "v2").containsEntry("service", "test-service");

        List<RegisteredCheck> checks = consul.checks(id);
        assertThat(checks).hasSize(1);
        RegisteredCheck check = checks.get(0);
        assertThat(check.checkId()).isEqualTo("service:" + id);
        assertThat(check.http()).isEqualTo("http://127.0.0.1:" + app.getLocalPort() + "/health");
        assertThat(check.interval()).isEqualTo("5s");
        assertThat(check.timeout()).isEqualTo("2s");
        assertThat(check.deregisterCriticalServiceAfter()).isEqualTo("60s");
        assertThat(app.<TestReplicaApplication>getApplication().bundle().registrationState())
                .isEqualTo(RegistrationState.REGISTERED);
    }

    @Test
    void deregistersWhenTheServerStops() {
        start(Map.of("CONSUL_HTTP_ADDR", consul.url()));
        String id = "service-v1-127.0.0.1-" + app.getLocalPort();
        await().atMost(WAIT).until(() -> consul.service(id).isPresent());

        app.after();
        app = null;

        assertThat(consul.service(id)).isEmpty();
        assertThat(consul.requests().forPath("/v1/agent/service/deregister/" + id)).hasSize(1);
    }

    @Test
    void keepsRetryingWhileConsulIsDownAndServesMeanwhile() throws Exception {
        consul.stopListener();
        start(Map.of("CONSUL_HTTP_ADDR", consul.url()));
        String id = "service-v1-127.0.0.1-" + app.getLocalPort();
        TestReplicaApplication application = app.getApplication();

        // Start-up did not wait for Consul: the service answers while registration keeps failing.
        assertThat(get("/version").statusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> application.bundle().failedRegistrationAttempts() >= 3);
        assertThat(application.bundle().registrationState()).isEqualTo(RegistrationState.RETRYING);

        consul.startListener();

        await().atMost(WAIT).until(() -> consul.service(id).isPresent());
        await().atMost(WAIT).until(() -> application.bundle().registrationState() == RegistrationState.REGISTERED);
        assertThat(application.bundle().failedRegistrationAttempts()).isZero();
    }

    @Test
    void retriesWhileConsulAnswersErrors() {
        consul.faults().onPath("/v1/agent/service/register").next(3, io.canarybalancer.consuldouble.fault.Fault.noLeader());
        start(Map.of("CONSUL_HTTP_ADDR", consul.url()));
        String id = "service-v1-127.0.0.1-" + app.getLocalPort();

        await().atMost(WAIT).until(() -> consul.service(id).isPresent());
        assertThat(consul.requests().forPath("/v1/agent/service/register")).hasSize(4);
    }

    @Test
    void registersAgainWhenTheAgentForgetsTheReplica() {
        start(Map.of("CONSUL_HTTP_ADDR", consul.url()));
        String id = "service-v1-127.0.0.1-" + app.getLocalPort();
        await().atMost(WAIT).until(() -> consul.service(id).isPresent());

        consul.deregister(id);

        await().atMost(WAIT).until(() -> consul.service(id).isPresent());
        assertThat(consul.requests().forPath("/v1/agent/service/register")).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void registersNothingWithoutConsulAndStillServes() throws Exception {
        start(Map.of());
        TestReplicaApplication application = app.getApplication();

        assertThat(application.bundle().registrationState()).isEqualTo(RegistrationState.DISABLED);
        assertThat(get("/health").statusCode()).isEqualTo(200);
        assertThat(consul.requests().count()).isZero();
    }

    @Test
    void sendsTheTokenFromTheEnvironment() {
        start(Map.of("CONSUL_HTTP_ADDR", consul.url(), "CONSUL_HTTP_TOKEN", "s3cret"));
        assertThat(consul.requests().await("/v1/agent/service/register", 1, WAIT)).isNotEmpty();

        assertThat(consul.requests().forPath("/v1/agent/service/register").get(0).token()).contains("s3cret");
    }

    @Test
    void versionNamesServiceVersionConsulNameAndReplica() throws Exception {
        start(new HashMap<>(Map.of("SERVICE_NAME", "service-v2")));

        HttpResponse<String> response = get("/version");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = json.readTree(response.body());
        assertThat(body.get("service").asText()).isEqualTo("test-service");
        assertThat(body.get("version").asText()).isEqualTo("v2");
        assertThat(body.get("serviceName").asText()).isEqualTo("service-v2");
        assertThat(body.get("replica").asText()).isEqualTo("service-v2-127.0.0.1-" + app.getLocalPort());
    }

    @Test
    void servesVersionAndHealthUnderTheExtraPrefix() throws Exception {
        start(Map.of());

        HttpResponse<String> version = get("/credit/version");
        HttpResponse<String> health = get("/credit/health");

        assertThat(version.statusCode()).isEqualTo(200);
        assertThat(json.readTree(version.body()).get("service").asText()).isEqualTo("test-service");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(json.readTree(health.body()).get("status").asText()).isEqualTo("UP");
    }

    private void start(Map<String, String> env) {
        app = new DropwizardTestSupport<>(TestReplicaApplication.class,
                ResourceHelpers.resourceFilePath("replica-test.yml")) {
            @Override
            public Application<TestReplicaConfiguration> newApplication() {
                return new TestReplicaApplication(env);
            }
        };
        try {
            app.before();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.getLocalPort() + path))
                .timeout(Duration.ofSeconds(5)).GET().build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
