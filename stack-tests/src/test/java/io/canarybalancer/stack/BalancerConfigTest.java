package io.canarybalancer.stack;

import com.fasterxml.jackson.databind.JsonNode;
import io.canarybalancer.balancer.config.BalancerConfig;
import io.canarybalancer.balancer.config.BalancerConfig.ConsulDiscovery;
import io.canarybalancer.balancer.config.ConfigLoader;
import io.canarybalancer.balancer.config.spec.PoolRef;
import io.canarybalancer.balancer.config.spec.RouteSpec;
import io.canarybalancer.balancer.config.yaml.ConfigException;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static io.canarybalancer.stack.StackFiles.REPLICA_SERVICES;
import static io.canarybalancer.stack.StackFiles.environment;
import static io.canarybalancer.stack.StackFiles.publishedPorts;
import static io.canarybalancer.stack.StackFiles.service;
import static io.canarybalancer.stack.StackFiles.withDefaults;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * config/balancer.yml, read by the balancer's own loader with the environment compose gives the
 * balancer container, against the compose services it routes to.
 */
class BalancerConfigTest {
    private static final Path CONFIG = StackFiles.file("config/balancer.yml");

    /** The balancer container's environment as compose sets it when the user sets nothing. */
    private static Map<String, String> composeEnvironment() {
        Map<String, String> env = new HashMap<>();
        environment(service("balancer")).forEach((name, value) -> env.put(name, withDefaults(value)));
        return env;
    }

    private static BalancerConfig load() throws ConfigException {
        return ConfigLoader.load(CONFIG, composeEnvironment());
    }

    @Test
    void configurationIsValidWithTheEnvironmentComposeGivesIt() throws ConfigException {
        BalancerConfig config = load();
        assertThat(config.routes()).hasSize(2);
        assertThat(config.adminToken()).isNotBlank();
    }

    @Test
    void adminTokenComesFromTheEnvironmentWithADocumentedDefault() {
        String token = environment(service("balancer")).get("BALANCER_ADMIN_TOKEN");
        assertThat(token).matches("\\$\\{BALANCER_ADMIN_TOKEN:-[^}]+}");
        // Without it the admin API, open to the container's network, would have no token: refused.
        assertThatThrownBy(() -> ConfigLoader.load(CONFIG, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("admin.token");
    }

    @Test
    void listensOnThePortsComposePublishes() throws ConfigException {
        BalancerConfig config = load();
        List<Integer> targets = StackFiles.targetPorts(service("balancer"));
        assertThat(targets).contains(config.listen().getPort(), config.adminListen().getPort());
        assertThat(config.listen().getPort()).isEqualTo(48151);
        assertThat(publishedPorts(service("balancer"))).contains(48151);
        // Inside a container, loopback would be unreachable through the published ports.
        assertThat(config.listen().getAddress().isAnyLocalAddress()).isTrue();
        assertThat(config.adminListen().getAddress().isAnyLocalAddress()).isTrue();
    }

    @Test
    void watchesTheConsulServiceOfTheStack() throws ConfigException {
        assertThat(load().discovery()).isInstanceOf(ConsulDiscovery.class);
        URI consul = URI.create(((ConsulDiscovery) load().discovery()).settings().url());
        assertThat(consul.getHost()).isEqualTo("consul");
        assertThat(consul.getPort()).isEqualTo(8500);
        assertThat(service("consul").isObject()).isTrue();
    }

    @Test
    void creditPathsGoToTheCreditPoolsAndEverythingElseToTheMessagePools() throws ConfigException {
        Map<String, RouteSpec> byPrefix = load().routes().stream()
                .collect(Collectors.toMap(RouteSpec::pathPrefix, route -> route));
        assertThat(byPrefix).containsOnlyKeys("/credit", "/");
        assertThat(byPrefix.get("/credit").stable()).isEqualTo(new PoolRef("service-v1", "credit"));
        assertThat(byPrefix.get("/credit").canary()).isEqualTo(new PoolRef("service-v2", "credit"));
        assertThat(byPrefix.get("/").stable()).isEqualTo(new PoolRef("service-v1", "message"));
        assertThat(byPrefix.get("/").canary()).isEqualTo(new PoolRef("service-v2", "message"));
        for (RouteSpec route : byPrefix.values()) {
            assertThat(route.policy().strategy().label()).as(route.name()).isEqualTo("replicas");
        }
    }

    @Test
    void everyPoolIsFilledByAComposeServiceAndEveryReplicaServiceByAPool() throws ConfigException {
        Set<PoolRef> registered = REPLICA_SERVICES.keySet().stream()
                .map(name -> environment(service(name)))
                .map(env -> new PoolRef(env.get("SERVICE_NAME"), env.get("SERVICE_TAGS")))
                .collect(Collectors.toSet());
        Set<PoolRef> routed = load().routes().stream()
                .flatMap(route -> java.util.stream.Stream.of(route.stable(), route.canary()))
                .collect(Collectors.toSet());
        assertThat(routed).isEqualTo(registered);
    }

    @Test
    void stableReplicasFillStablePoolsAndCanariesCanaryPools() throws ConfigException {
        for (RouteSpec route : load().routes()) {
            for (String name : REPLICA_SERVICES.keySet()) {
                Map<String, String> env = environment(service(name));
                PoolRef pool = new PoolRef(env.get("SERVICE_NAME"), env.get("SERVICE_TAGS"));
                if (pool.equals(route.stable())) {
                    assertThat(name).as("the stable pool of " + route.name()).endsWith("-v1");
                }
                if (pool.equals(route.canary())) {
                    assertThat(name).as("the canary pool of " + route.name()).endsWith("-v2");
                }
            }
        }
    }

    @Test
    void theLocalRunsConfigurationRoutesTheSameWay() throws ConfigException {
        BalancerConfig local = ConfigLoader.load(StackFiles.file("config/local.yml"), Map.of());
        Map<String, List<PoolRef>> composeRoutes = load().routes().stream()
                .collect(Collectors.toMap(RouteSpec::pathPrefix, r -> List.of(r.stable(), r.canary())));
        Map<String, List<PoolRef>> localRoutes = local.routes().stream()
                .collect(Collectors.toMap(RouteSpec::pathPrefix, r -> List.of(r.stable(), r.canary())));
        assertThat(localRoutes).isEqualTo(composeRoutes);
        assertThat(local.listen().getPort()).isEqualTo(load().listen().getPort());
        assertThat(local.adminListen().getPort()).isEqualTo(load().adminListen().getPort());
    }

    @Test
    void theDemosMirrorConfigurationIsADarkLaunchOfTheMessagePools() throws ConfigException {
        BalancerConfig mirror = ConfigLoader.load(StackFiles.file("config/local-mirror.yml"), Map.of());
        BalancerConfig local = ConfigLoader.load(StackFiles.file("config/local.yml"), Map.of());
        RouteSpec route = mirror.routes().get(0);
        RouteSpec message = local.routes().stream().filter(r -> r.pathPrefix().equals("/")).findFirst().orElseThrow();
        assertThat(List.of(route.stable(), route.canary())).isEqualTo(List.of(message.stable(), message.canary()));
        assertThat(route.policy().canaryWeight()).as("no user request reaches the canary").isZero();
        assertThat(route.mirror().percent()).isEqualTo(10);
        assertThat(route.analysis().maxDiffRate()).isPositive();
        assertThat(mirror.listen().getPort()).as("beside the main balancer, not on its ports")
                .isNotIn(local.listen().getPort(), local.adminListen().getPort());
    }

    @Test
    void balancerHealthCheckProbesItsAdminPort() throws ConfigException {
        JsonNode test = service("balancer").path("healthcheck").path("test");
        assertThat(String.join(" ", ComposeFileTest.strings(test)))
                .contains("http://127.0.0.1:" + load().adminListen().getPort() + "/");
    }
}
