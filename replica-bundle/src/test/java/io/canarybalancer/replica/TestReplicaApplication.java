package io.canarybalancer.replica;

import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;

import java.util.Map;

/** A service that does nothing but use the bundle, with an injected environment. */
public class TestReplicaApplication extends Application<TestReplicaConfiguration> {

    private final ReplicaBundle<TestReplicaConfiguration> bundle;

    public TestReplicaApplication(Map<String, String> env) {
        this.bundle = new ReplicaBundle<>(TestReplicaConfiguration::getReplica, env::get, () -> "192.0.2.1")
                .alsoUnder("/credit");
    }

    @Override
    public void initialize(Bootstrap<TestReplicaConfiguration> bootstrap) {
        bootstrap.addBundle(bundle);
    }

    @Override
    public void run(TestReplicaConfiguration configuration, Environment environment) {
        // Nothing but the bundle.
    }

    public ReplicaBundle<TestReplicaConfiguration> bundle() {
        return bundle;
    }
}
