package io.canarybalancer.balancer.mirror;

import java.util.Objects;

/**
 * Both answers to one copied request, as the proxy hands them over for comparison.
 *
 * @param method        the request's method
 * @param target        the request target as the client sent it
 * @param stableReplica the replica that answered the client
 * @param canaryReplica the canary replica the copy went to
 */
public record MirroredPair(String method, String target, String stableReplica, String canaryReplica, Answer stable,
                           Answer canary) {
    public MirroredPair {
        Objects.requireNonNull(stable, "stable");
        Objects.requireNonNull(canary, "canary");
    }
}
