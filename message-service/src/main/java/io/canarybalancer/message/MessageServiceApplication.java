package io.canarybalancer.message;

import io.canarybalancer.message.cli.ProviderCommand;
import io.canarybalancer.message.db.MessageDao;
import io.canarybalancer.message.delivery.Delivery;
import io.canarybalancer.message.delivery.DeliveryFactory;
import io.canarybalancer.message.delivery.DeliveryWorker;
import io.canarybalancer.message.delivery.Housekeeper;
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

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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

        Delivery delivery = new Delivery(messages, configuration.getCredit().build(environment.getObjectMapper()),
                configuration.getProvider().build(environment.getObjectMapper()), clock,
                settings.getMaxAttempts(), settings.getRetryDelay().toJavaDuration());
        Duration oneDelivery = configuration.getProvider().getTimeout().toJavaDuration()
                .plus(configuration.getCredit().getTimeout().toJavaDuration().multipliedBy(2));
        DeliveryWorker worker = new DeliveryWorker(messages, delivery, clock, settings.getWorkers(),
                settings.getPollInterval().toJavaDuration(), oneDelivery.plusSeconds(1), workerName());
        environment.lifecycle().manage(worker);

        Duration housekeeping = settings.getHousekeepingInterval().toJavaDuration();
        ScheduledExecutorService housekeeper = environment.lifecycle().scheduledExecutorService("housekeeper").build();
        housekeeper.scheduleWithFixedDelay(new Housekeeper(messages, delivery, clock,
                        settings.getClaimTimeout().toJavaDuration(), housekeeping),
                housekeeping.toMillis(), housekeeping.toMillis(), TimeUnit.MILLISECONDS);

        environment.jersey().register(new MessagesResource(messages, worker::wake, clock));
        environment.jersey().register(new MessageResource(messages));
    }

    // Recorded in each claim, so an operator can tell which replica holds a message (the suffix tells
    // apart two instances in one process, as in tests).
    private static String workerName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown-host";
        }
        return host + "/" + ProcessHandle.current().pid() + "/" + Integer.toHexString(new Random().nextInt(0x10000));
    }
}
