/**
 * Consul: blocking-query watches of each service's healthy instances, with backoff and a rate
 * limit, and the rollout state kept in Consul KV so that several balancers share it.
 *
 * <p>Internal: not part of the public API (that is {@code io.canarybalancer.api}), and free to change in
 * any release.
 */
package io.canarybalancer.balancer.discovery.consul;
