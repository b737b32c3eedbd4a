package io.canarybalancer.replica.resources;

import com.codahale.metrics.health.HealthCheck;
import com.codahale.metrics.health.HealthCheckRegistry;
import io.canarybalancer.replica.api.HealthView;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.dropwizard.testing.junit5.ResourceExtension;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(DropwizardExtensionsSupport.class)
class HealthResourceTest {

    private static final AtomicBoolean DATABASE_UP = new AtomicBoolean(true);
    private static final HealthCheckRegistry CHECKS = new HealthCheckRegistry();

    static {
        CHECKS.register("database", new HealthCheck() {
            @Override
            protected Result check() {
                return DATABASE_UP.get() ? Result.healthy() : Result.unhealthy("connection refused");
            }
        });
    }

    static final ResourceExtension RESOURCES = ResourceExtension.builder()
            .addResource(new HealthResource(CHECKS))
            .build();

    @AfterEach
    void reset() {
        DATABASE_UP.set(true);
    }

    @Test
    void upWhenEveryCheckPasses() {
        Response response = RESOURCES.target("/health").request().get();

        assertThat(response.getStatus()).isEqualTo(200);
        HealthView health = response.readEntity(HealthView.class);
        assertThat(health.status()).isEqualTo("UP");
        assertThat(health.checks()).containsEntry("database", "healthy");
    }

    @Test
    void downWith503WhenACheckFails() {
        DATABASE_UP.set(false);

        Response response = RESOURCES.target("/health").request().get();

        assertThat(response.getStatus()).isEqualTo(503);
        HealthView health = response.readEntity(HealthView.class);
        assertThat(health.status()).isEqualTo("DOWN");
        assertThat(health.checks()).containsEntry("database", "connection refused");
    }
}
