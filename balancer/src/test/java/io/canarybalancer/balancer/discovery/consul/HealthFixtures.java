package io.canarybalancer.balancer.discovery.consul;

import org.kiwiproject.consul.model.catalog.ImmutableServiceWeights;
import org.kiwiproject.consul.model.health.HealthCheck;
import org.kiwiproject.consul.model.health.ImmutableHealthCheck;
import org.kiwiproject.consul.model.health.ImmutableNode;
import org.kiwiproject.consul.model.health.ImmutableService;
import org.kiwiproject.consul.model.health.ImmutableServiceHealth;
import org.kiwiproject.consul.model.health.ServiceHealth;

import java.util.ArrayList;
import java.util.List;

/** Hand-built {@code /v1/health/service} entries, as consul-client would parse them. */
final class HealthFixtures {

    private HealthFixtures() {
    }

    static Entry entry(String id) {
        return new Entry(id);
    }

    static final class Entry {
        private final String id;
        private String serviceAddress = "";
        private String nodeAddress = "10.0.0.1";
        private int port = 8080;
        private List<String> tags = List.of();
        private Integer passing;
        private Integer warning;
        private final List<HealthCheck> checks = new ArrayList<>();

        Entry(String id) {
            this.id = id;
            checks.add(check("serfHealth", "passing", ""));
            checks.add(check("service:" + id, "passing", id));
        }

        Entry address(String address) {
            this.serviceAddress = address;
            return this;
        }

        Entry nodeAddress(String address) {
            this.nodeAddress = address;
            return this;
        }

        Entry port(int port) {
            this.port = port;
            return this;
        }

        Entry tags(String... tags) {
            this.tags = List.of(tags);
            return this;
        }

        Entry weights(int passing, int warning) {
            this.passing = passing;
            this.warning = warning;
            return this;
        }

        Entry status(String status) {
            checks.set(1, check("service:" + id, status, id));
            return this;
        }

        Entry nodeStatus(String status) {
            checks.set(0, check("serfHealth", status, ""));
            return this;
        }

        Entry maintenance() {
            checks.add(check("_service_maintenance:" + id, "critical", id));
            return this;
        }

        ServiceHealth build() {
            ImmutableService.Builder service = ImmutableService.builder()
                    .id(id).service("web").address(serviceAddress).port(port).tags(tags);
            if (passing != null) {
                service.weights(ImmutableServiceWeights.builder().passing(passing).warning(warning).build());
            }
            return ImmutableServiceHealth.builder()
                    .node(ImmutableNode.builder().node("node-1").address(nodeAddress).build())
                    .service(service.build())
                    .checks(checks)
                    .build();
        }

        private HealthCheck check(String checkId, String status, String serviceId) {
            return ImmutableHealthCheck.builder()
                    .node("node-1").checkId(checkId).name(checkId).status(status)
                    .serviceId(serviceId).serviceName(serviceId.isEmpty() ? "" : "web")
                    .build();
        }
    }
}
