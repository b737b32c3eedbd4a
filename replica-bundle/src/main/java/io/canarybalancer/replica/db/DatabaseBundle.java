package io.canarybalancer.replica.db;

import com.codahale.metrics.MetricRegistry;
import io.canarybalancer.replica.ReplicaServiceConfiguration;
import io.dropwizard.core.ConfiguredBundle;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.db.DataSourceFactory;
import io.dropwizard.db.ManagedDataSource;
import io.dropwizard.migrations.CloseableLiquibase;
import io.dropwizard.migrations.CloseableLiquibaseWithClassPathMigrationsFile;
import io.dropwizard.migrations.MigrationsBundle;
import liquibase.Contexts;
import liquibase.Scope;

import java.util.Map;

/**
 * A replica service's database: the schema brought up to date at start-up with Liquibase (unless
 * {@code migrateOnStart} is off), and Dropwizard's {@code db} commands
 * ({@code java -jar service.jar db status CONFIG}) over the same changelog.
 *
 * <p>Several replicas may start at once against one database: Liquibase's lock table lets one of them
 * migrate while the others wait, then find nothing left to do.
 *
 * @param <T> the service's configuration
 */
public final class DatabaseBundle<T extends ReplicaServiceConfiguration> implements ConfiguredBundle<T> {
    private static final String ANALYTICS = "liquibase.analytics.enabled";
    private static final String H2_BIND_ADDRESS = "h2.bindAddress";

    private final String changelog;
    /** Dropwizard's own bundle, for the {@code db} commands. */
    private final MigrationsBundle<T> commands;

    /** @param changelog the Liquibase changelog on the class path, e.g. {@code migrations/credit.xml} */
    public DatabaseBundle(String changelog) {
        this.changelog = changelog;
        this.commands = new MigrationsBundle<>() {
            @Override
            public DataSourceFactory getDataSourceFactory(T configuration) {
                return configuration.getDatabase();
            }

            @Override
            public String getMigrationsFileName() {
                return changelog;
            }
        };
    }

    @Override
    public void initialize(Bootstrap<?> bootstrap) {
        disableAnalytics();
        keepH2OnLoopback();
        commands.initialize(bootstrap);
    }

    @Override
    public void run(T configuration, Environment environment) throws Exception {
        if (configuration.isMigrateOnStart()) {
            migrate(configuration.getDatabase(), environment.metrics(), changelog);
        }
    }

    /** Applies every pending changeset of {@code changelog}. */
    public static void migrate(DataSourceFactory database, MetricRegistry metrics, String changelog) throws Exception {
        disableAnalytics();
        ManagedDataSource dataSource = database.build(metrics, "migrations");
        // A waiting replica polls the lock every second instead of Liquibase's default ten.
        Scope.child(Map.of("liquibase.changelogLockPollRate", 1), () -> {
            try (CloseableLiquibase liquibase = new CloseableLiquibaseWithClassPathMigrationsFile(dataSource, changelog)) {
                liquibase.update(new Contexts());
            }
        });
    }

    /**
     * Liquibase 4.30+ reports usage to its vendor unless told not to; a service has no business calling
     * out, and most of our hosts can't. Runs before any Liquibase code (the {@code db} commands too).
     */
    private static void disableAnalytics() {
        if (System.getProperty(ANALYTICS) == null) {
            System.setProperty(ANALYTICS, "false");
        }
    }

    /**
     * H2's AUTO_SERVER lets the local replicas share one database file: the first to open it serves it
     * over TCP and writes its address into the lock file for the others. They all run on this host, so
     * that address is loopback rather than whatever interface H2 would pick (and bind to). Runs before
     * any H2 class loads; an explicit -Dh2.bindAddress wins.
     */
    private static void keepH2OnLoopback() {
        if (System.getProperty(H2_BIND_ADDRESS) == null) {
            System.setProperty(H2_BIND_ADDRESS, "127.0.0.1");
        }
    }
}
