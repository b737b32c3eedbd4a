package io.canarybalancer.replica;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.core.Configuration;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;

/** The smallest configuration a service using the bundle has. */
public class TestReplicaConfiguration extends Configuration {

    @Valid
    @NotNull
    private ReplicaConfiguration replica = new ReplicaConfiguration();

    @JsonProperty
    public ReplicaConfiguration getReplica() {
        return replica;
    }

    @JsonProperty
    public void setReplica(ReplicaConfiguration replica) {
        this.replica = replica;
    }
}
