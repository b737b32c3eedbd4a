package io.canarybalancer.balancer.mirror;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * A route's mirror: the share of its requests that stable serves which also go, as a copy, to a
 * canary replica, whose answer is compared with stable's and never reaches the client.
 *
 * @param percent      the share of eligible requests copied, 1 to 100, exactly (by rotation)
 * @param methods      the methods copied (upper case); others never are
 * @param maxBodyBytes requests with a longer body are not copied (the copy's body is kept until sent)
 * @param compare      what of the two answers must agree
 * @param timeout      how long the canary has to answer a copy in full; then it counts as no answer
 * @param maxInFlight  copies waiting for the canary at most, per route; more are dropped and counted
 */
public record MirrorSettings(int percent, Set<String> methods, int maxBodyBytes, CompareRules compare,
                             Duration timeout, int maxInFlight) {

    public static final Set<String> DEFAULT_METHODS = Set.of("GET", "HEAD");
    public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    public static final int DEFAULT_MAX_IN_FLIGHT = 64;

    public MirrorSettings {
        Objects.requireNonNull(compare, "compare");
        Objects.requireNonNull(timeout, "timeout");
        methods = Set.copyOf(methods);
        if (percent < 1 || percent > 100) {
            throw new IllegalArgumentException("percent must be from 1 to 100, got " + percent);
        }
        if (maxBodyBytes < 0) {
            throw new IllegalArgumentException("maxBodyBytes must not be negative, got " + maxBodyBytes);
        }
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be at least 1, got " + maxInFlight);
        }
    }
}
