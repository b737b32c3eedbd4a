package io.canarybalancer.replica;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.core.Configuration;
import io.dropwizard.db.DataSourceFactory;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;

/**
 * What every replica service's configuration has: its database, whether it migrates the schema at
 * start-up, and how it presents itself as a replica. A service's configuration extends it.
 */
public class ReplicaServiceConfiguration extends Configuration {

    @Valid
    @NotNull
    private DataSourceFactory database = new DataSourceFactory();

    @Valid
    @NotNull
    private ReplicaConfiguration replica = new ReplicaConfiguration();

    /** Apply pending schema migrations at start-up; off when operators run {@code db migrate} themselves. */
    private boolean migrateOnStart = true;

    @JsonProperty
    public DataSourceFactory getDatabase() {
        return database;
    }

    @JsonProperty
    public void setDatabase(DataSourceFactory database) {
        this.database = database;
    }

    @JsonProperty
    public ReplicaConfiguration getReplica() {
        return replica;
    }

    @JsonProperty
    public void setReplica(ReplicaConfiguration replica) {
        this.replica = replica;
    }

    @JsonProperty
    public boolean isMigrateOnStart() {
        return migrateOnStart;
    }

    @JsonProperty
    public void setMigrateOnStart(boolean migrateOnStart) {
        this.migrateOnStart = migrateOnStart;
    }
}
