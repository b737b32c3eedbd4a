package io.canarybalancer.balancer.route;

/** Which side of a rollout a replica belongs to. */
public enum PoolRole {
    STABLE("stable"),
    CANARY("canary");

    private final String label;

    PoolRole(String label) {
        this.label = label;
    }

    /** The lower-case name used in headers, JSON and metrics. */
    public String label() {
        return label;
    }
}
