package io.canarybalancer.testsupport;

import io.dropwizard.core.Application;
import io.dropwizard.core.Configuration;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.testing.DropwizardTestSupport;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The real configuration files are found from a module's folder, and a service sees only the environment it is given. */
class ServiceFixtureTest {

    @Test
    void findsTheRealConfigurationFromAModule() {
        Path config = ServiceFixture.realConfig("credit-service.yml");

        assertThat(config).isRegularFile().isAbsolute();
        assertThat(config.getParent().getFileName()).hasToString("config");
    }

    @Test
    void aMissingFileIsNamed() {
        assertThatThrownBy(() -> ServiceFixture.realConfig("no-such-service.yml"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("config/no-such-service.yml not found from ");
    }

    @Test
    void theServiceIsBuiltWithTheGivenEnvironmentOnly() {
        DropwizardTestSupport<Configuration> service = ServiceFixture.service(WithEnvironment.class,
                "credit-service.yml", TestDatabases.h2(), Map.of("SERVICE_NAME", "service-v2"));

        WithEnvironment application = (WithEnvironment) service.newApplication();

        assertThat(application.env.apply("SERVICE_NAME")).isEqualTo("service-v2");
        assertThat(application.env.apply("PATH")).isNull();
    }

    @Test
    void aServiceWithoutAnEnvironmentConstructorIsRefused() {
        assertThatThrownBy(() -> ServiceFixture.service(WithoutEnvironment.class, "credit-service.yml",
                TestDatabases.h2(), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(WithoutEnvironment.class.getName() + " has no public constructor taking the environment lookup");
    }

    /** A service as ours are written: its environment comes through the constructor. */
    public static final class WithEnvironment extends Application<Configuration> {
        final Function<String, String> env;

        public WithEnvironment(Function<String, String> env) {
            this.env = env;
        }

        @Override
        public void run(Configuration configuration, Environment environment) {
        }
    }

    /** A service that could only read the machine's environment. */
    public static final class WithoutEnvironment extends Application<Configuration> {
        @Override
        public void run(Configuration configuration, Environment environment) {
        }
    }
}
