package io.canarybalancer.replica.registration;

/** Where a replica's registration stands, as {@link Registrar#state()} reports it. */
public enum RegistrationState {
    /** The server has not started yet, so there is nothing to register. */
    WAITING_FOR_SERVER,
    /** Attempts are failing (or the first one is under way) and are retried in the background. */
    RETRYING,
    /** The registry lists the replica. */
    REGISTERED,
    /** Shut down: deregistered, or at least tried to. */
    STOPPED,
    /** No registry is configured: the replica registers nowhere. */
    DISABLED
}
