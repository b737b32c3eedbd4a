package io.canarybalancer.credit;

import io.canarybalancer.credit.db.CreditDao;
import io.canarybalancer.credit.db.SchemaMigration;
import io.canarybalancer.credit.resources.ChargeResource;
import io.canarybalancer.credit.resources.CreditResource;
import io.canarybalancer.replica.ReplicaBundle;
import io.dropwizard.configuration.EnvironmentVariableSubstitutor;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.db.DataSourceFactory;
import io.dropwizard.jdbi3.JdbiFactory;
import io.dropwizard.migrations.MigrationsBundle;
import org.jdbi.v3.core.Jdbi;

import java.time.Clock;
import java.util.function.Function;

/**
 * The credit service: one balance, topped up with {@code POST /credit}, charged and refunded once per
 * message. {@code java -jar credit-service.jar server config/credit-service.yml}.
 */
public class CreditServiceApplication extends Application<CreditServiceConfiguration> {

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
        SchemaMigration.disableAnalytics();
        keepH2OnLoopback();
        bootstrap.setConfigurationSourceProvider(new SubstitutingSourceProvider(
                bootstrap.getConfigurationSourceProvider(), new EnvironmentVariableSubstitutor(false)));
        // /credit/version and /credit/health too: the balancer sends everything under /credit here.
        bootstrap.addBundle(new ReplicaBundle<>(CreditServiceConfiguration::getReplica, env).alsoUnder("/credit"));
        bootstrap.addBundle(new MigrationsBundle<>() {
            @Override
            public DataSourceFactory getDataSourceFactory(CreditServiceConfiguration configuration) {
                return configuration.getDatabase();
            }

            @Override
            public String getMigrationsFileName() {
                return SchemaMigration.CHANGELOG;
            }
        });
    }

    @Override
    public void run(CreditServiceConfiguration configuration, Environment environment) throws Exception {
        if (configuration.isMigrateOnStart()) {
            SchemaMigration.migrate(configuration.getDatabase(), environment.metrics());
        }
        Jdbi jdbi = new JdbiFactory().build(environment, configuration.getDatabase(), "database");
        CreditDao credit = jdbi.onDemand(CreditDao.class);
        Clock clock = Clock.systemUTC();
        environment.jersey().register(new CreditResource(credit, clock));
        environment.jersey().register(new ChargeResource(credit, clock));
    }

    /**
     * H2's AUTO_SERVER lets the local replicas share one database file: the first to open it serves it
     * over TCP and writes its address into the lock file for the others. They all run on this host, so
     * that address is loopback rather than whatever interface H2 would pick (and bind to). Must run
     * before any H2 class loads; an explicit -Dh2.bindAddress wins.
     */
    private static void keepH2OnLoopback() {
        if (System.getProperty("h2.bindAddress") == null) {
            System.setProperty("h2.bindAddress", "127.0.0.1");
        }
    }
}
