package io.canarybalancer.credit.db;

import com.codahale.metrics.MetricRegistry;
import io.dropwizard.db.DataSourceFactory;
import io.dropwizard.db.ManagedDataSource;
import io.dropwizard.migrations.CloseableLiquibase;
import io.dropwizard.migrations.CloseableLiquibaseWithClassPathMigrationsFile;
import liquibase.Contexts;
import liquibase.Scope;

import java.util.Map;

/**
 * Brings the schema up to date at start-up with Liquibase ({@code migrations/credit.xml}), the tool Dropwizard's
 * migrations module wraps, so {@code java -jar credit-service.jar db status CONFIG} works too.
 *
 * <p>Several replicas may start at once against one database: Liquibase's lock table lets one of them
 * migrate while the others wait, then find nothing left to do.
 */
public final class SchemaMigration {

    /** The changelog on the class path. */
    public static final String CHANGELOG = "migrations/credit.xml";

    private static final String ANALYTICS = "liquibase.analytics.enabled";

    private SchemaMigration() {
    }

    /**
     * Liquibase 4.30+ reports usage to its vendor unless told not to; a service has no business calling
     * out, and most of our hosts can't. Call before any Liquibase code runs (the {@code db} commands too).
     */
    public static void disableAnalytics() {
        if (System.getProperty(ANALYTICS) == null) {
            System.setProperty(ANALYTICS, "false");
        }
    }

    /** Applies every pending changeset. */
    public static void migrate(DataSourceFactory database, MetricRegistry metrics) throws Exception {
        disableAnalytics();
        ManagedDataSource dataSource = database.build(metrics, "migrations");
        // A waiting replica polls the lock every second instead of Liquibase's default ten.
        Scope.child(Map.of("liquibase.changelogLockPollRate", 1), () -> {
            try (CloseableLiquibase liquibase = new CloseableLiquibaseWithClassPathMigrationsFile(dataSource, CHANGELOG)) {
                liquibase.update(new Contexts());
            }
        });
    }
}
