package io.canarybalancer.message;

import io.canarybalancer.credit.CreditServiceApplication;
import io.canarybalancer.credit.CreditServiceConfiguration;
import io.canarybalancer.testsupport.ServiceFixture;
import io.canarybalancer.testsupport.TestDatabase;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.DropwizardTestSupport;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A message service as {@link ServiceFixture} starts one, with the test's provider and credit service,
 * and quick polling; and the real credit service it calls.
 */
final class MessageServiceFixture {

    private MessageServiceFixture() {
    }

    /** @return a message service, not yet started ({@code before()} starts it) */
    static DropwizardTestSupport<MessageServiceConfiguration> service(TestDatabase database, URI credit, URI provider,
                                                                     int workers, Map<String, String> env,
                                                                     ConfigOverride... more) {
        List<ConfigOverride> overrides = new ArrayList<>();
        overrides.add(ConfigOverride.config("credit.url", credit.toString()));
        overrides.add(ConfigOverride.config("provider.url", provider.toString()));
        overrides.add(ConfigOverride.config("provider.timeout", "500ms"));
        overrides.add(ConfigOverride.config("delivery.workers", Integer.toString(workers)));
        overrides.add(ConfigOverride.config("delivery.pollInterval", "50ms"));
        overrides.add(ConfigOverride.config("delivery.claimTimeout", "15s"));
        overrides.add(ConfigOverride.config("delivery.retryDelay", "100ms"));
        overrides.add(ConfigOverride.config("delivery.housekeepingInterval", "200ms"));
        overrides.addAll(List.of(more));
        return ServiceFixture.service(MessageServiceApplication.class, "message-service.yml", database, env,
                overrides.toArray(ConfigOverride[]::new));
    }

    /** @return a started message service */
    static DropwizardTestSupport<MessageServiceConfiguration> started(TestDatabase database, URI credit, URI provider,
                                                                     int workers) {
        return ServiceFixture.started(service(database, credit, provider, workers, Map.of()));
    }

    /** @return a started credit service on {@code database}, with an empty environment */
    static DropwizardTestSupport<CreditServiceConfiguration> startedCredit(TestDatabase database) {
        return ServiceFixture.started(CreditServiceApplication.class, "credit-service.yml", database);
    }
}
