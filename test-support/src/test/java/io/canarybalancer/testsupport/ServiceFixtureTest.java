package io.canarybalancer.testsupport;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The real configuration files are found from a module's folder, as the tests run. */
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
}
