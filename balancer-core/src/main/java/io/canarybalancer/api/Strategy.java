package io.canarybalancer.api;

import java.util.Objects;

/**
 * How a route splits the requests that do not carry its canary header between stable and canary.
 * Immutable.
 */
public final class Strategy {
    private static final Strategy REPLICAS = new Strategy("replicas", 0);
    private static final Strategy HEADER = new Strategy("header", 0);

    private final String name;
    private final int weight;

    private Strategy(String name, int weight) {
        this.name = name;
        this.weight = weight;
    }

    /** By replica weight: one canary among four equal replicas takes a quarter. */
    public static Strategy replicas() {
        return REPLICAS;
    }

    /** Only requests with the route's header reach the canary. */
    public static Strategy header() {
        return HEADER;
    }

    /**
     * Exactly {@code percent}% of the requests go to the canary, whatever the replica counts.
     *
     * @throws IllegalArgumentException unless {@code percent} is from 0 to 100
     */
    public static Strategy weight(int percent) {
        if (percent < 0 || percent > 100) {
            throw new IllegalArgumentException("the canary's weight must be from 0 to 100 percent, got " + percent);
        }
        return new Strategy("weight", percent);
    }

    /** {@code replicas}, {@code header} or {@code weight}: the name the YAML configuration uses. */
    public String name() {
        return name;
    }

    /** The canary's percentage under {@code weight}; 0 for the other strategies. */
    public int weight() {
        return weight;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Strategy that && name.equals(that.name) && weight == that.weight;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, weight);
    }

    @Override
    public String toString() {
        return name.equals("weight") ? "weight " + weight + "%" : name;
    }
}
