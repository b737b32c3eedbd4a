package io.canarybalancer.replica.resources;

import io.canarybalancer.replica.api.VersionView;
import io.canarybalancer.replica.core.ReplicaIdentity;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.dropwizard.testing.junit5.ResourceExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(DropwizardExtensionsSupport.class)
class VersionResourceTest {

    private static final ReplicaIdentity REPLICA =
            new ReplicaIdentity("message-service", "service-v2", "v2", List.of("message"), "10.0.0.7", 8080);

    static final ResourceExtension RESOURCES = ResourceExtension.builder()
            .addResource(new VersionResource(() -> REPLICA))
            .build();

    @Test
    void answersServiceVersionConsulNameAndReplica() {
        VersionView version = RESOURCES.target("/version").request().get(VersionView.class);

        assertThat(version).isEqualTo(
                new VersionView("message-service", "v2", "service-v2", "service-v2-10.0.0.7-8080"));
    }
}
