/**
 * Consul: blocking-query watches of each service's healthy instances, and the watch loop itself
 * ({@link io.canarybalancer.balancer.discovery.consul.BlockingWatch}: the next index, a rate limit,
 * backoff after failures), which the rollout's Consul store runs too.
 *
 * <p>Internal: not part of the public API (that is {@code io.canarybalancer.api}), and free to change in
 * any release.
 */
package io.canarybalancer.balancer.discovery.consul;
