package io.canarybalancer.balancer.route;

import java.util.Locale;

/** How un-flagged requests are split between the stable and the canary pool. */
public enum Strategy {
    /** One weighted rotation over every replica of both pools: the canary's share is its replica share. */
    REPLICAS,
    /** Only requests carrying the route's header reach the canary. */
    HEADER,
    /** The canary gets exactly the route's weight, in percent, whatever the replica counts. */
    WEIGHT;

    /** The lower-case name used in configuration and JSON. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a configuration value; throws {@link IllegalArgumentException} naming the choices. */
    public static Strategy parse(String text) {
        for (Strategy strategy : values()) {
            if (strategy.label().equals(text)) {
                return strategy;
            }
        }
        throw new IllegalArgumentException("unknown strategy '" + text + "' (expected replicas, header or weight)");
    }
}
