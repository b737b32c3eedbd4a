package io.canarybalancer.message;

import io.canarybalancer.message.cli.ProviderCommand;
import io.canarybalancer.message.db.MessageDao;
import io.canarybalancer.message.delivery.Delivery;
import io.canarybalancer.message.delivery.DeliveryFactory;
import io.canarybalancer.message.delivery.DeliveryWorker;
import io.canarybalancer.message.resources.MessageResource;
import io.canarybalancer.message.resources.MessagesResource;
import io.canarybalancer.replica.ReplicaBundle;
import io.canarybalancer.replica.db.DatabaseBundle;
import io.dropwizard.configuration.EnvironmentVariableSubstitutor;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.jdbi3.JdbiFactory;
import org.jdbi.v3.core.Jdbi;

import java.time.Clock;
import java.util.function.Function;

/**
 * The message service: accepts messages, and delivers them to the provider from a queue in the database
 * that all replicas share, charging one credit each. {@code java -jar message-service.jar server
 * config/message-service.yml}; {@code java -jar message-service.jar provider} runs a provider simulator.
 */
public class MessageServiceApplication extends Application<MessageServiceConfiguration> {
    /** The Liquibase changelog of the message schema, on the class path. */
    public static final String CHANGELOG = "migrations/message.xml";

    private final Function<String, String> env;

    public MessageServiceApplication() {
        this(System::getenv);
    }

    /** @param env environment lookup for the replica settings ({@code SERVICE_NAME}, {@code CONSUL_HTTP_ADDR}...) */
    public MessageServiceApplication(Function<String, String> env) {
        this.env = env;
    }

    public static void main(String[] args) throws Exception {
        new MessageServiceApplication().run(args);
    }

    @Override
    public String getName() {
        return "message-service";
    }

    @Override
    public void initialize(Bootstrap<MessageServiceConfiguration> bootstrap) {
        bootstrap.setConfigurationSourceProvider(new SubstitutingSourceProvider(
                bootstrap.getConfigurationSourceProvider(), new EnvironmentVariableSubstitutor(false)));
        bootstrap.addBundle(new ReplicaBundle<>(MessageServiceConfiguration::getReplica, env));
        bootstrap.addBundle(new DatabaseBundle<>(CHANGELOG));
        bootstrap.addCommand(new ProviderCommand());
    }

    @Override
    public void run(MessageServiceConfiguration configuration, Environment environment) throws Exception {
        Jdbi jdbi = new JdbiFactory().build(environment, configuration.getDatabase(), "database");
        MessageDao messages = jdbi.onDemand(MessageDao.class);
        Clock clock = Clock.systemUTC();
        DeliveryFactory settings = configuration.getDelivery();

        Delivery delivery = settings.buildDelivery(messages, configuration.getCredit().build(environment.getObjectMapper()),
                configuration.getProvider().build(environment.getObjectMapper()), clock);
        DeliveryWorker worker = settings.buildWorker(messages, delivery, clock, configuration.deliveryBudget());
        environment.lifecycle().manage(worker);
        settings.scheduleHousekeeper(environment.lifecycle(), messages, delivery, clock);

        environment.jersey().register(new MessagesResource(messages, worker::wake, clock));
        environment.jersey().register(new MessageResource(messages));
    }
}
