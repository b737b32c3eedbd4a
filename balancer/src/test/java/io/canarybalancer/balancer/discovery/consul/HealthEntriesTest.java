package io.canarybalancer.balancer.discovery.consul;

import io.canarybalancer.balancer.discovery.ServiceInstance;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.canarybalancer.balancer.discovery.consul.HealthFixtures.entry;
import static org.assertj.core.api.Assertions.assertThat;

class HealthEntriesTest {

    @Test
    void translatesAPassingInstance() {
        List<ServiceInstance> instances = HealthEntries.instances(List.of(
                entry("web-1").address("10.0.0.21").port(9000).tags("message", "v1").weights(3, 1).build()));

        assertThat(instances).containsExactly(
                new ServiceInstance("web-1", "10.0.0.21", 9000, List.of("message", "v1"), 3));
    }

    @Test
    void anEmptyServiceAddressMeansTheNodeAddress() {
        List<ServiceInstance> instances = HealthEntries.instances(List.of(
                entry("web-1").address("").nodeAddress("10.9.9.9").build()));

        assertThat(instances).singleElement().extracting(ServiceInstance::address).isEqualTo("10.9.9.9");
    }

    @Test
    void withoutWeightsTheWeightIsOne() {
        assertThat(HealthEntries.instances(List.of(entry("web-1").build())))
                .singleElement().extracting(ServiceInstance::weight).isEqualTo(1);
    }

    @Test
    void criticalMaintenanceAndFailedNodesAreLeftOut() {
        List<ServiceInstance> instances = HealthEntries.instances(List.of(
                entry("ok").build(),
                entry("down").status("critical").build(),
                entry("maintained").maintenance().build(),
                entry("lost-node").nodeStatus("critical").build(),
                entry("odd").status("unknown-status").build()));

        assertThat(instances).extracting(ServiceInstance::id).containsExactly("ok");
    }

    @Test
    void warningKeepsTheInstanceAtItsWarningWeight() {
        List<ServiceInstance> instances = HealthEntries.instances(List.of(
                entry("warm").status("warning").weights(10, 2).build(),
                entry("cold").status("warning").weights(10, 0).build(),
                entry("default").status("warning").build()));

        assertThat(instances).extracting(ServiceInstance::id, ServiceInstance::weight)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("default", 1),
                        org.assertj.core.groups.Tuple.tuple("warm", 2));
    }

    @Test
    void theOrderIsStableWhateverConsulSends() {
        List<ServiceInstance> one = HealthEntries.instances(List.of(entry("b").build(), entry("a").build()));
        List<ServiceInstance> other = HealthEntries.instances(List.of(entry("a").build(), entry("b").build()));

        assertThat(one).isEqualTo(other).extracting(ServiceInstance::id).containsExactly("a", "b");
    }
}
