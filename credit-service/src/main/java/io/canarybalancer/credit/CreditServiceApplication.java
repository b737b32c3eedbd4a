package io.canarybalancer.credit;

import io.canarybalancer.credit.db.CreditDao;
import io.canarybalancer.credit.resources.ChargeResource;
import io.canarybalancer.credit.resources.CreditResource;
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
 * The credit service: one balance, topped up with {@code POST /credit}, charged and refunded once per
 * message. {@code java -jar credit-service.jar server config/credit-service.yml}.
 */
public class CreditServiceApplication extends Application<CreditServiceConfiguration> {
    /** The Liquibase changelog of the credit schema, on the class path. */
    public static final String CHANGELOG = "migrations/credit.xml";

    private final Function<String, String> env;

    public CreditServiceApplication() {
        this(System::getenv);
    }

    /** @param env environment lookup for the replica settings ({@code SERVICE_NAME}, {@code CONSUL_HTTP_ADDR}...) */
    public CreditServiceApplication(Function<String, String> env) {
        this.env = env;
    }

    public static void main(String[] args) throws Exception {
        new CreditServiceApplication().run(args);
    }

    @Override
    public String getName() {
        return "credit-service";
    }

    @Override
    public void initialize(Bootstrap<CreditServiceConfiguration> bootstrap) {
        bootstrap.setConfigurationSourceProvider(new SubstitutingSourceProvider(
                bootstrap.getConfigurationSourceProvider(), new EnvironmentVariableSubstitutor(false)));
        // /credit/version and /credit/health too: the balancer sends everything under /credit here.
        bootstrap.addBundle(new ReplicaBundle<>(CreditServiceConfiguration::getReplica, env).alsoUnder("/credit"));
        bootstrap.addBundle(new DatabaseBundle<>(CHANGELOG));
    }

    @Override
    public void run(CreditServiceConfiguration configuration, Environment environment) throws Exception {
        Jdbi jdbi = new JdbiFactory().build(environment, configuration.getDatabase(), "database");
        CreditDao credit = jdbi.onDemand(CreditDao.class);
        Clock clock = Clock.systemUTC();
        environment.jersey().register(new CreditResource(credit, clock));
        environment.jersey().register(new ChargeResource(credit, clock));
    }
}
