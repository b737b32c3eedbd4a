package io.canarybalancer.message;

import io.canarybalancer.credit.testing.TestDatabase;
import io.dropwizard.core.Application;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.DropwizardTestSupport;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A message service started from the real {@code config/message-service.yml}, changed only where a test
 * must: ephemeral ports on 127.0.0.1, the test's database, provider and credit service, quick polling,
 * quiet logs, and an environment of its own.
 */
final class MessageServiceFixture {

    private MessageServiceFixture() {
    }

    static Path realConfig() {
        for (Path candidate : List.of(Path.of("..", "config", "message-service.yml"), Path.of("config", "message-service.yml"))) {
            if (Files.isRegularFile(candidate)) {
                return candidate.toAbsolutePath().normalize();
            }
        }
        throw new IllegalStateException("config/message-service.yml not found from " + Path.of("").toAbsolutePath());
    }

    /** @return a message service, not yet started ({@code before()} starts it) */
    static DropwizardTestSupport<MessageServiceConfiguration> service(TestDatabase database, URI credit, URI provider,
                                                                     int workers, Map<String, String> env,
                                                                     ConfigOverride... more) {
        List<ConfigOverride> overrides = new ArrayList<>(database.overrides());
        overrides.add(ConfigOverride.config("server.applicationConnectors[0].port", "0"));
        overrides.add(ConfigOverride.config("server.applicationConnectors[0].bindHost", "127.0.0.1"));
        overrides.add(ConfigOverride.config("server.adminConnectors[0].port", "0"));
        overrides.add(ConfigOverride.config("server.adminConnectors[0].bindHost", "127.0.0.1"));
        overrides.add(ConfigOverride.config("server.requestLog.appenders[0].threshold", "OFF"));
        overrides.add(ConfigOverride.config("logging.level", "WARN"));
        overrides.add(ConfigOverride.config("replica.address", "127.0.0.1"));
        overrides.add(ConfigOverride.config("credit.url", credit.toString()));
        overrides.add(ConfigOverride.config("provider.url", provider.toString()));
        overrides.add(ConfigOverride.config("provider.timeout", "500ms"));
        overrides.add(ConfigOverride.config("delivery.workers", Integer.toString(workers)));
        overrides.add(ConfigOverride.config("delivery.pollInterval", "50ms"));
        overrides.add(ConfigOverride.config("delivery.claimTimeout", "15s"));
        overrides.add(ConfigOverride.config("delivery.retryDelay", "100ms"));
        overrides.add(ConfigOverride.config("delivery.housekeepingInterval", "200ms"));
        overrides.addAll(List.of(more));
        return new DropwizardTestSupport<>(MessageServiceApplication.class, realConfig().toString(),
                overrides.toArray(ConfigOverride[]::new)) {
            @Override
            public Application<MessageServiceConfiguration> newApplication() {
                return new MessageServiceApplication(env::get);
            }
        };
    }

    /** @return a started message service */
    static DropwizardTestSupport<MessageServiceConfiguration> started(TestDatabase database, URI credit, URI provider,
                                                                     int workers) {
        DropwizardTestSupport<MessageServiceConfiguration> service = service(database, credit, provider, workers, Map.of());
        try {
            service.before();
        } catch (Exception e) {
            throw new IllegalStateException("the message service did not start", e);
        }
        return service;
    }
}
