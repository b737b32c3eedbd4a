package io.canarybalancer.replica.registration;

import io.canarybalancer.replica.core.ReplicaIdentity;

/**
 * Where a replica announces itself. Each call either succeeds or throws; the {@link Registrar} owns the
 * retrying, so an implementation makes exactly one attempt.
 */
public interface ReplicaRegistry extends AutoCloseable {

    /** Registers (or re-registers, which updates in place) the replica with its health check. */
    void register(ReplicaIdentity replica);

    /** @return whether the registry still lists the replica */
    boolean isRegistered(ReplicaIdentity replica);

    /** Removes the replica; removing one the registry doesn't know is not an error. */
    void deregister(ReplicaIdentity replica);

    /** Releases connections and threads. */
    @Override
    void close();

    /** @return where this registry lives, for log lines */
    String describe();
}
