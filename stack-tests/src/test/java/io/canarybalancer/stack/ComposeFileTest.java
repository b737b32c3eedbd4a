package io.canarybalancer.stack;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.canarybalancer.stack.StackFiles.REPLICA_SERVICES;
import static io.canarybalancer.stack.StackFiles.applicationPort;
import static io.canarybalancer.stack.StackFiles.bindMounts;
import static io.canarybalancer.stack.StackFiles.compose;
import static io.canarybalancer.stack.StackFiles.environment;
import static io.canarybalancer.stack.StackFiles.publishedPorts;
import static io.canarybalancer.stack.StackFiles.service;
import static io.canarybalancer.stack.StackFiles.targetPorts;
import static org.assertj.core.api.Assertions.assertThat;

/** docker-compose.yml: the services the exercise needs, their replicas, names, tags, health checks and order. */
class ComposeFileTest {

    @Test
    void composeFileHasEveryServiceOfTheExercise() {
        List<String> names = new ArrayList<>();
        compose().path("services").fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactlyInAnyOrder(
                "consul", "postgres", "provider", "balancer", "message-v1", "message-v2", "credit-v1", "credit-v2");
    }

    @Test
    void consulIsAPinnedDevAgentWithItsUi() {
        JsonNode consul = service("consul");
        String image = consul.path("image").asText();
        assertThat(image).startsWith("hashicorp/consul:");
        assertThat(image.substring("hashicorp/consul:".length())).matches("\\d+\\.\\d+(\\.\\d+)?");
        List<String> command = strings(consul.path("command"));
        assertThat(command).contains("agent", "-dev", "-ui", "-client=0.0.0.0");
        assertThat(publishedPorts(consul)).contains(8500);
    }

    @Test
    void providerIsTheCoursesImage() {
        assertThat(service("provider").path("image").asText()).startsWith("cabify/backend-bootcamp-messageapp:");
    }

    @Test
    void stableServicesRunFourReplicasAndCanariesNoneUntilScaled() {
        assertThat(replicas("message-v1")).isEqualTo(4);
        assertThat(replicas("credit-v1")).isEqualTo(4);
        assertThat(replicas("message-v2")).isZero();
        assertThat(replicas("credit-v2")).isZero();
    }

    @Test
    void replicasRegisterUnderTheExercisesNamesWithTheirServiceTag() {
        assertThat(environment(service("message-v1"))).containsEntry("SERVICE_NAME", "service-v1")
                .containsEntry("SERVICE_TAGS", "message");
        assertThat(environment(service("message-v2"))).containsEntry("SERVICE_NAME", "service-v2")
                .containsEntry("SERVICE_TAGS", "message");
        assertThat(environment(service("credit-v1"))).containsEntry("SERVICE_NAME", "service-v1")
                .containsEntry("SERVICE_TAGS", "credit");
        assertThat(environment(service("credit-v2"))).containsEntry("SERVICE_NAME", "service-v2")
                .containsEntry("SERVICE_TAGS", "credit");
    }

    @Test
    void stableAndCanaryOfAServiceDifferOnlyInTheirNameAndReplicas() {
        for (String kind : List.of("message", "credit")) {
            Map<String, String> v1 = environment(service(kind + "-v1"));
            Map<String, String> v2 = environment(service(kind + "-v2"));
            v1.remove("SERVICE_NAME");
            v2.remove("SERVICE_NAME");
            assertThat(v2).as(kind + "-v2's environment").isEqualTo(v1);
            assertThat(service(kind + "-v2").path("build")).as(kind + "-v2's build").isEqualTo(service(kind + "-v1").path("build"));
            assertThat(service(kind + "-v2").path("depends_on")).isEqualTo(service(kind + "-v1").path("depends_on"));
        }
    }

    @Test
    void replicasRegisterWithTheStacksConsulAgent() {
        for (String name : REPLICA_SERVICES.keySet()) {
            assertThat(environment(service(name)).get("CONSUL_HTTP_ADDR")).as(name).isIn("consul:8500", "http://consul:8500");
        }
    }

    @Test
    void messageServiceReachesTheProviderAndTheCreditServiceThroughTheBalancer() {
        for (String name : List.of("message-v1", "message-v2")) {
            Map<String, String> env = environment(service(name));
            assertThat(env).containsEntry("PROVIDER_URL", "http://provider:3000");
            assertThat(env).containsEntry("CREDIT_URL", "http://balancer:48151");
        }
        // The provider's own health check probes the port the message service sends to.
        assertThat(String.join(" ", strings(service("provider").path("healthcheck").path("test"))))
                .contains("127.0.0.1:3000");
    }

    @Test
    void balancerPublishesTheExercisesPortAndItsAdminApiOnLoopbackOnly() {
        JsonNode balancer = service("balancer");
        assertThat(publishedPorts(balancer)).contains(48151, 48152);
        assertThat(targetPorts(balancer)).contains(48151, 48152);
        for (JsonNode port : balancer.path("ports")) {
            if (port.asText().endsWith(":48152")) {
                assertThat(port.asText()).as("the admin port").startsWith("127.0.0.1:");
            }
        }
    }

    @Test
    void noReplicaPublishesAPortSoEachCanBeScaled() {
        for (String name : REPLICA_SERVICES.keySet()) {
            assertThat(service(name).path("ports").isMissingNode()).as(name + " publishes no port").isTrue();
            assertThat(service(name).path("container_name").isMissingNode()).as(name + " has no fixed container name").isTrue();
        }
    }

    @Test
    void everyLongRunningServiceHasAHealthCheck() {
        compose().path("services").fields().forEachRemaining(entry -> {
            JsonNode test = entry.getValue().path("healthcheck").path("test");
            assertThat(test.isArray() && test.size() >= 2).as(entry.getKey() + " has a health check").isTrue();
            assertThat(test.get(0).asText()).isIn("CMD", "CMD-SHELL");
        });
    }

    @Test
    void replicaHealthChecksProbeTheServicesOwnHealthEndpointOnItsPort() {
        for (Map.Entry<String, String> replica : REPLICA_SERVICES.entrySet()) {
            String check = String.join(" ", strings(service(replica.getKey()).path("healthcheck").path("test")));
            assertThat(check).as(replica.getKey())
                    .contains("http://127.0.0.1:" + applicationPort(replica.getValue()) + "/health");
        }
    }

    @Test
    void dependenciesWaitForHealthOnlyWhereThereIsAHealthCheck() {
        JsonNode services = compose().path("services");
        services.fields().forEachRemaining(entry -> entry.getValue().path("depends_on").fields().forEachRemaining(dep -> {
            assertThat(services.has(dep.getKey())).as(entry.getKey() + " depends on a known service").isTrue();
            if (dep.getValue().path("condition").asText().equals("service_healthy")) {
                assertThat(services.path(dep.getKey()).has("healthcheck"))
                        .as(entry.getKey() + " waits for " + dep.getKey() + " to be healthy").isTrue();
            }
        }));
    }

    @Test
    void servicesStartAfterConsulAndTheirDatabase() {
        assertThat(condition("balancer", "consul")).isEqualTo("service_healthy");
        for (String name : REPLICA_SERVICES.keySet()) {
            assertThat(condition(name, "consul")).as(name).isEqualTo("service_healthy");
            assertThat(condition(name, "postgres")).as(name).isEqualTo("service_healthy");
        }
        for (String name : List.of("message-v1", "message-v2")) {
            assertThat(condition(name, "provider")).as(name).isNotEmpty();
            assertThat(condition(name, "balancer")).as(name).isNotEmpty();
        }
    }

    @Test
    void everyMountedFileExists() {
        compose().path("services").fields().forEachRemaining(entry -> {
            for (Path host : bindMounts(entry.getValue()).keySet()) {
                assertThat(host).as(entry.getKey() + " mounts " + host).isRegularFile();
                assertThat(host.startsWith(StackFiles.root())).isTrue();
            }
        });
    }

    @Test
    void balancerRunsTheConfigurationItMounts() {
        JsonNode balancer = service("balancer");
        Map<Path, String> mounts = bindMounts(balancer);
        assertThat(mounts).containsKey(StackFiles.file("config/balancer.yml"));
        List<String> command = strings(balancer.path("command"));
        assertThat(command).containsSubsequence("--config", mounts.get(StackFiles.file("config/balancer.yml")));
    }

    @Test
    void builtServicesUseTheDockerfileBesideTheComposeFile() {
        Dockerfile dockerfile = Dockerfile.parse(StackFiles.text(StackFiles.file("Dockerfile")));
        compose().path("services").fields().forEachRemaining(entry -> {
            JsonNode build = entry.getValue().path("build");
            if (build.isMissingNode()) {
                return;
            }
            assertThat(build.path("context").asText()).as(entry.getKey()).isEqualTo(".");
            assertThat(build.path("dockerfile").asText("Dockerfile")).isEqualTo("Dockerfile");
            assertThat(Files.isRegularFile(StackFiles.file("Dockerfile"))).isTrue();
            dockerfile.stage(build.path("target").asText());
        });
        assertThat(service("balancer").path("build").path("target").asText()).isEqualTo("balancer");
        for (Map.Entry<String, String> replica : REPLICA_SERVICES.entrySet()) {
            assertThat(service(replica.getKey()).path("build").path("target").asText()).isEqualTo(replica.getValue());
        }
    }

    private static int replicas(String name) {
        JsonNode replicas = service(name).path("deploy").path("replicas");
        assertThat(replicas.isInt()).as(name + " sets deploy.replicas").isTrue();
        return replicas.asInt();
    }

    private static String condition(String service, String dependency) {
        JsonNode dependsOn = service(service).path("depends_on");
        if (dependsOn.isArray()) {
            for (JsonNode name : dependsOn) {
                if (name.asText().equals(dependency)) {
                    return "service_started";
                }
            }
            return "";
        }
        JsonNode entry = dependsOn.path(dependency);
        return entry.isMissingNode() ? "" : entry.path("condition").asText("service_started");
    }

    static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        if (array.isTextual()) {
            values.addAll(List.of(array.asText().split("\\s+")));
        }
        for (JsonNode item : array) {
            values.add(item.asText());
        }
        return values;
    }
}
