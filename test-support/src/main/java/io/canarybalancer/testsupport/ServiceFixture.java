package io.canarybalancer.testsupport;

import io.dropwizard.core.Application;
import io.dropwizard.core.Configuration;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.DropwizardTestSupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A service started from its real configuration file ({@code config/NAME.yml}), changed only where a
 * test must: ephemeral ports on 127.0.0.1, the test's database, quiet logs, and an environment of its
 * own (never the machine's, so a {@code CONSUL_HTTP_ADDR} in the shell can't leak in).
 */
public final class ServiceFixture {

    private ServiceFixture() {
    }

    /** @return the real configuration file {@code config/fileName}, found from the repository root or a module */
    public static Path realConfig(String fileName) {
        for (Path candidate : List.of(Path.of("..", "config", fileName), Path.of("config", fileName))) {
            if (Files.isRegularFile(candidate)) {
                return candidate.toAbsolutePath().normalize();
            }
        }
        throw new IllegalStateException("config/" + fileName + " not found from " + Path.of("").toAbsolutePath());
    }

    /**
     * @param factory    the service, built from an environment lookup (its constructor taking one)
     * @param configFile the file name of its configuration under {@code config/}
     * @param env        the only environment it sees
     * @param more       overrides of the test's own, applied last
     * @return the service on {@code database}, not yet started ({@code before()} starts it)
     */
    public static <C extends Configuration> DropwizardTestSupport<C> service(
            Function<Function<String, String>, ? extends Application<C>> factory, String configFile,
            TestDatabase database, Map<String, String> env, ConfigOverride... more) {
        List<ConfigOverride> overrides = new ArrayList<>(database.overrides());
        overrides.add(ConfigOverride.config("server.applicationConnectors[0].port", "0"));
        overrides.add(ConfigOverride.config("server.applicationConnectors[0].bindHost", "127.0.0.1"));
        overrides.add(ConfigOverride.config("server.adminConnectors[0].port", "0"));
        overrides.add(ConfigOverride.config("server.adminConnectors[0].bindHost", "127.0.0.1"));
        overrides.add(ConfigOverride.config("server.requestLog.appenders[0].threshold", "OFF"));
        overrides.add(ConfigOverride.config("logging.level", "WARN"));
        overrides.add(ConfigOverride.config("replica.address", "127.0.0.1"));
        overrides.addAll(List.of(more));
        // One instance only for its class, which DropwizardTestSupport wants beside the instances it asks for.
        @SuppressWarnings("unchecked")
        Class<? extends Application<C>> type = (Class<? extends Application<C>>) factory.apply(env::get).getClass();
        return new DropwizardTestSupport<>(type, realConfig(configFile).toString(), overrides.toArray(ConfigOverride[]::new)) {
            @Override
            public Application<C> newApplication() {
                return factory.apply(env::get);
            }
        };
    }

    /** @return a started service on {@code database}, with an empty environment */
    public static <C extends Configuration> DropwizardTestSupport<C> started(
            Function<Function<String, String>, ? extends Application<C>> factory, String configFile,
            TestDatabase database) {
        return started(service(factory, configFile, database, Map.of()));
    }

    /** @return {@code service}, started */
    public static <C extends Configuration> DropwizardTestSupport<C> started(DropwizardTestSupport<C> service) {
        try {
            service.before();
        } catch (Exception e) {
            throw new IllegalStateException("the service did not start", e);
        }
        return service;
    }
}
