package io.canarybalancer.testsupport;

import io.dropwizard.core.Application;
import io.dropwizard.core.Configuration;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.DropwizardTestSupport;

import java.lang.reflect.Constructor;
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
     * @param application the service's class, with a public constructor taking the environment lookup
     *                    ({@code Function<String, String>}), as both services have
     * @param configFile  the file name of its configuration under {@code config/}
     * @param env         the only environment it sees
     * @param more        overrides of the test's own, applied last
     * @return the service on {@code database}, not yet started ({@code before()} starts it)
     * @throws IllegalArgumentException if {@code application} has no such constructor
     */
    public static <C extends Configuration> DropwizardTestSupport<C> service(
            Class<? extends Application<C>> application, String configFile, TestDatabase database,
            Map<String, String> env, ConfigOverride... more) {
        Constructor<? extends Application<C>> withEnvironment = environmentConstructor(application);
        List<ConfigOverride> overrides = new ArrayList<>(database.overrides());
        overrides.add(ConfigOverride.config("server.applicationConnectors[0].port", "0"));
        overrides.add(ConfigOverride.config("server.applicationConnectors[0].bindHost", "127.0.0.1"));
        overrides.add(ConfigOverride.config("server.adminConnectors[0].port", "0"));
        overrides.add(ConfigOverride.config("server.adminConnectors[0].bindHost", "127.0.0.1"));
        overrides.add(ConfigOverride.config("server.requestLog.appenders[0].threshold", "OFF"));
        overrides.add(ConfigOverride.config("logging.level", "WARN"));
        overrides.add(ConfigOverride.config("replica.address", "127.0.0.1"));
        overrides.addAll(List.of(more));
        Function<String, String> lookup = env::get;
        // DropwizardTestSupport would call the constructor without arguments, which reads the machine's environment.
        return new DropwizardTestSupport<>(application, realConfig(configFile).toString(), overrides.toArray(ConfigOverride[]::new)) {
            @Override
            public Application<C> newApplication() {
                try {
                    return withEnvironment.newInstance(lookup);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("could not create " + application.getName(), e);
                }
            }
        };
    }

    /** @return a started service on {@code database}, with an empty environment */
    public static <C extends Configuration> DropwizardTestSupport<C> started(
            Class<? extends Application<C>> application, String configFile, TestDatabase database) {
        return started(service(application, configFile, database, Map.of()));
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

    private static <A> Constructor<A> environmentConstructor(Class<A> application) {
        try {
            return application.getConstructor(Function.class);
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException(application.getName()
                    + " has no public constructor taking the environment lookup (a Function<String, String>)", e);
        }
    }
}
