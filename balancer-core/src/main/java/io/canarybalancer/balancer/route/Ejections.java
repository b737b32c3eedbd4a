package io.canarybalancer.balancer.route;

/** Which replicas are kept out of picks for now (passive health ejects those that keep failing). */
public interface Ejections {

    /** Whether {@code replica} is ejected now: picked only when nothing else is left. */
    boolean isEjected(Replica replica);
}
