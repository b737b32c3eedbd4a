package io.canarybalancer.testsupport;

import com.codahale.metrics.MetricRegistry;
import io.dropwizard.db.DataSourceFactory;
import io.dropwizard.db.ManagedDataSource;
import io.dropwizard.testing.ConfigOverride;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;

import java.util.List;

/**
 * A fresh, empty database for one test: an H2 file in a temporary folder or a new database in the shared
 * embedded PostgreSQL.
 *
 * @param kind        {@code h2} or {@code postgresql}, also the name parameterised tests show
 * @param url         JDBC URL
 * @param user        user
 * @param password    password
 * @param driverClass JDBC driver class
 */
public record TestDatabase(String kind, String url, String user, String password, String driverClass) {

    /** @return a pool configuration for this database, small enough for many instances at once */
    public DataSourceFactory dataSourceFactory() {
        DataSourceFactory factory = new DataSourceFactory();
        factory.setDriverClass(driverClass);
        factory.setUrl(url);
        factory.setUser(user);
        factory.setPassword(password);
        factory.setInitialSize(2);
        factory.setMinSize(2);
        factory.setMaxSize(24);
        return factory;
    }

    /** @return a pooled JDBI handle factory with SQL objects enabled; the pool lives as long as the test JVM */
    public Jdbi jdbi() {
        ManagedDataSource dataSource = dataSourceFactory().build(new MetricRegistry(), kind);
        return Jdbi.create(dataSource).installPlugin(new SqlObjectPlugin());
    }

    /** @return overrides pointing a service's {@code database:} section here */
    public List<ConfigOverride> overrides() {
        return List.of(
                ConfigOverride.config("database.driverClass", driverClass),
                ConfigOverride.config("database.url", url),
                ConfigOverride.config("database.user", user),
                ConfigOverride.config("database.password", password),
                ConfigOverride.config("database.initialSize", "2"),
                ConfigOverride.config("database.minSize", "2"),
                ConfigOverride.config("database.maxSize", "24"));
    }

    @Override
    public String toString() {
        return kind;
    }
}
