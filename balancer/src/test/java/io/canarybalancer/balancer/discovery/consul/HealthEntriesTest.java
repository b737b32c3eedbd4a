package io.canarybalancer.balancer.discovery.consul;

import io.canarybalancer.balancer.discovery.ServiceInstance;
import io.canarybalancer.balancer.discovery.SkippedInstance;
import org.junit.jupiter.api.Test;
import org.kiwiproject.consul.model.health.ServiceHealth;

import java.util.List;

import static io.canarybalancer.balancer.discovery.consul.HealthFixtures.entry;
import static org.assertj.core.api.Assertions.assertThat;

class HealthEntriesTest {

    @Test
    void translatesAPassingInstance() {
        List<ServiceInstance> instances = usable(List.of(
                entry("web-1").address("10.0.0.21").port(9000).tags("message", "v1").weights(3, 1).build()));

        assertThat(instances).containsExactly(
                new ServiceInstance("web-1", "10.0.0.21", 9000, List.of("message", "v1"), 3));
    }

    @Test
    void anEmptyServiceAddressMeansTheNodeAddress() {
        List<ServiceInstance> instances = usable(List.of(
                entry("web-1").address("").nodeAddress("10.9.9.9").build()));

        assertThat(instances).singleElement().extracting(ServiceInstance::address).isEqualTo("10.9.9.9");
    }

    @Test
    void withoutWeightsTheWeightIsOne() {
        assertThat(usable(List.of(entry("web-1").build())))
                .singleElement().extracting(ServiceInstance::weight).isEqualTo(1);
    }

    @Test
    void criticalMaintenanceAndFailedNodesAreLeftOut() {
        List<ServiceInstance> instances = usable(List.of(
                entry("ok").build(),
                entry("down").status("critical").build(),
                entry("maintained").maintenance().build(),
                entry("lost-node").nodeStatus("critical").build(),
                entry("odd").status("unknown-status").build()));

        assertThat(instances).extracting(ServiceInstance::id).containsExactly("ok");
    }

    @Test
    void warningKeepsTheInstanceAtItsWarningWeight() {
        List<ServiceInstance> instances = usable(List.of(
                entry("warm").status("warning").weights(10, 2).build(),
                entry("cold").status("warning").weights(10, 0).build(),
                entry("default").status("warning").build()));

        assertThat(instances).extracting(ServiceInstance::id, ServiceInstance::weight)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("default", 1),
                        org.assertj.core.groups.Tuple.tuple("warm", 2));
    }

    @Test
    void theOrderIsStableWhateverConsulSends() {
        List<ServiceInstance> one = usable(List.of(entry("b").build(), entry("a").build()));
        List<ServiceInstance> other = usable(List.of(entry("a").build(), entry("b").build()));

        assertThat(one).isEqualTo(other).extracting(ServiceInstance::id).containsExactly("a", "b");
    }

    @Test
    void unusableInstancesAreSkippedWithTheirReason() {
        HealthEntries.Instances result = HealthEntries.instances(List.of(
                entry("good").build(),
                entry("port-zero").port(0).build(),
                entry("port-too-high").port(70_000).build(),
                entry("bad-address").address("not a host!").build(),
                entry("zero-weight").weights(0, 1).build(),
                entry("huge-weight").weights(Integer.MAX_VALUE, 1).build(),
                entry("critical-and-bad").port(0).status("critical").build()));

        assertThat(result.instances()).extracting(ServiceInstance::id).containsExactly("good");
        assertThat(result.skipped()).containsExactly(
                new SkippedInstance("bad-address", "not an IP address or host name: not a host!"),
                new SkippedInstance("huge-weight", "weight must be between 1 and 65535, got 2147483647"),
                new SkippedInstance("port-too-high", "port must be between 1 and 65535, got 70000"),
                new SkippedInstance("port-zero", "port must be between 1 and 65535, got 0"),
                new SkippedInstance("zero-weight", "weight must be between 1 and 65535, got 0"));
    }

    private static List<ServiceInstance> usable(List<ServiceHealth> entries) {
        return HealthEntries.instances(entries).instances();
    }
}
