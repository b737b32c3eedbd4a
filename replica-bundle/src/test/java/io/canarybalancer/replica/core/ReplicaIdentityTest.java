package io.canarybalancer.replica.core;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ReplicaIdentityTest {

    @Test
    void replicaIdIsNameAddressAndPort() {
        ReplicaIdentity replica = new ReplicaIdentity("credit-service", "service-v1", "v1", List.of(), "10.0.0.5", 8090);

        assertThat(replica.replicaId()).isEqualTo("service-v1-10.0.0.5-8090");
        assertThat(replica.healthUrl()).isEqualTo("http://10.0.0.5:8090/health");
    }

    @Test
    void ipv6AddressesKeepTheIdFreeOfColonsAndAreBracketedInUrls() {
        ReplicaIdentity replica = new ReplicaIdentity("s", "service-v2", "v2", List.of(), "fd00::5", 8080);

        assertThat(replica.replicaId()).isEqualTo("service-v2-fd00__5-8080");
        assertThat(replica.healthUrl()).isEqualTo("http://[fd00::5]:8080/health");
    }

    @Test
    void detectedHostAddressIsNeverEmpty() {
        assertThat(HostAddress.detect()).isNotBlank();
    }
}
