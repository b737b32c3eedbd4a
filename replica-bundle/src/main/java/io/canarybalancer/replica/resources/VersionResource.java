package io.canarybalancer.replica.resources;

import io.canarybalancer.replica.api.VersionView;
import io.canarybalancer.replica.core.ReplicaIdentity;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.function.Supplier;

/** {@code GET /version}: which service, version and replica answered. */
@Path("/version")
@Produces(MediaType.APPLICATION_JSON)
public class VersionResource {

    private final Supplier<ReplicaIdentity> identity;

    /** @param identity this replica, known once the server listens */
    public VersionResource(Supplier<ReplicaIdentity> identity) {
        this.identity = identity;
    }

    @GET
    public VersionView version() {
        ReplicaIdentity replica = identity.get();
        return new VersionView(replica.service(), replica.version(), replica.serviceName(), replica.replicaId());
    }
}
