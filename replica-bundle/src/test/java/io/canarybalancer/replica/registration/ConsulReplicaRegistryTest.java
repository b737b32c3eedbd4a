package io.canarybalancer.replica.registration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.canarybalancer.consuldouble.ConsulDouble;
import io.canarybalancer.consuldouble.fault.Fault;
import io.canarybalancer.replica.core.ReplicaIdentity;
import io.canarybalancer.replica.core.ReplicaSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kiwiproject.consul.ConsulException;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConsulReplicaRegistryTest {

    private static final ReplicaIdentity REPLICA =
            new ReplicaIdentity("credit-service", "service-v1", "v1", List.of("credit"), "127.0.0.1", 8090);
    private static final ReplicaSettings.Timings TIMINGS = new ReplicaSettings.Timings(
            Duration.ofSeconds(3), Duration.ofSeconds(1), Duration.ofMinutes(2), Duration.ofSeconds(1),
            Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(2));

    private ConsulDouble consul;
    private ConsulReplicaRegistry registry;

    @BeforeEach
    void start() {
        consul = ConsulDouble.builder().jitter(false).start();
        registry = new ConsulReplicaRegistry(URI.create(consul.url()), null, TIMINGS);
    }

    @AfterEach
    void stop() {
        registry.close();
        consul.close();
    }

    @Test
    void registersOneServiceWithASingleHttpCheck() throws Exception {
        registry.register(REPLICA);

        assertThat(registry.isRegistered(REPLICA)).isTrue();
        JsonNode body = new ObjectMapper().readTree(
                consul.requests().last("/v1/agent/service/register").orElseThrow().bodyAsString());
        // A single Check (not Checks) keeps the check ID at service:<id>.
        assertThat(body.get("Check").get("HTTP").asText()).isEqualTo("http://127.0.0.1:8090/health");
        assertThat(body.get("Check").get("Interval").asText()).isEqualTo("3s");
        assertThat(body.get("Check").get("Timeout").asText()).isEqualTo("1s");
        assertThat(body.get("Check").get("DeregisterCriticalServiceAfter").asText()).isEqualTo("120s");
        assertThat(consul.check("service:service-v1-127.0.0.1-8090")).isPresent();
    }

    @Test
    void deregisterRemovesTheServiceAndToleratesAnUnknownOne() {
        registry.register(REPLICA);

        registry.deregister(REPLICA);
        registry.deregister(REPLICA);

        assertThat(consul.service(REPLICA.replicaId())).isEmpty();
        assertThat(registry.isRegistered(REPLICA)).isFalse();
    }

    @Test
    void agentErrorsSurfaceAsExceptions() {
        consul.faults().next(1, Fault.noLeader());

        assertThatThrownBy(() -> registry.register(REPLICA)).isInstanceOf(ConsulException.class);
        assertThat(consul.service(REPLICA.replicaId())).isEmpty();
    }

    @Test
    void unreachableAgentFailsFastInsteadOfHanging() {
        consul.stopListener();

        long started = System.nanoTime();
        assertThatThrownBy(() -> registry.register(REPLICA)).isInstanceOf(RuntimeException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void hungAgentTimesOut() {
        consul.faults().always(Fault.hang());

        long started = System.nanoTime();
        assertThatThrownBy(() -> registry.register(REPLICA)).isInstanceOf(RuntimeException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(6));
    }
}
