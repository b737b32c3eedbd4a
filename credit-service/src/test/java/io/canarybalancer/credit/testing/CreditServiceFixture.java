package io.canarybalancer.credit.testing;

import io.canarybalancer.credit.CreditServiceApplication;
import io.canarybalancer.credit.CreditServiceConfiguration;
import io.dropwizard.core.Application;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.DropwizardTestSupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A credit service started from the real {@code config/credit-service.yml}, changed only where a test
 * must: ephemeral ports on 127.0.0.1, the test's database, quiet logs, and an environment of its own
 * (never the machine's, so a {@code CONSUL_HTTP_ADDR} in the shell can't leak in).
 */
public final class CreditServiceFixture {

    private CreditServiceFixture() {
    }

    /** @return the real default configuration file, found from either service module */
    public static Path realConfig() {
        for (Path candidate : List.of(Path.of("..", "config", "credit-service.yml"), Path.of("config", "credit-service.yml"))) {
            if (Files.isRegularFile(candidate)) {
                return candidate.toAbsolutePath().normalize();
            }
        }
        throw new IllegalStateException("config/credit-service.yml not found from " + Path.of("").toAbsolutePath());
    }

    /** @return a credit service on {@code database}, not yet started ({@code before()} starts it) */
    public static DropwizardTestSupport<CreditServiceConfiguration> service(TestDatabase database,
                                                                           Map<String, String> env,
                                                                           ConfigOverride... more) {
        List<ConfigOverride> overrides = new ArrayList<>(database.overrides());
        overrides.add(ConfigOverride.config("server.applicationConnectors[0].port", "0"));
        overrides.add(ConfigOverride.config("server.applicationConnectors[0].bindHost", "127.0.0.1"));
        overrides.add(ConfigOverride.config("server.adminConnectors[0].port", "0"));
        overrides.add(ConfigOverride.config("server.adminConnectors[0].bindHost", "127.0.0.1"));
        overrides.add(ConfigOverride.config("server.requestLog.appenders[0].threshold", "OFF"));
        overrides.add(ConfigOverride.config("logging.level", "WARN"));
        overrides.add(ConfigOverride.config("replica.address", "127.0.0.1"));
        overrides.addAll(List.of(more));
        return new DropwizardTestSupport<>(CreditServiceApplication.class, realConfig().toString(),
                overrides.toArray(ConfigOverride[]::new)) {
            @Override
            public Application<CreditServiceConfiguration> newApplication() {
                return new CreditServiceApplication(env::get);
            }
        };
    }

    /** @return a started credit service on {@code database}, with an empty environment */
    public static DropwizardTestSupport<CreditServiceConfiguration> started(TestDatabase database) {
        DropwizardTestSupport<CreditServiceConfiguration> service = service(database, Map.of());
        try {
            service.before();
        } catch (Exception e) {
            throw new IllegalStateException("the credit service did not start", e);
        }
        return service;
    }
}
