/**
 * The rollout state of each route (strategy, weight, paused, automatic rollback), where it is kept
 * (this balancer, or Consul KV), how operators change it, and the routing table rebuilt when it changes.
 *
 * <p>Internal: not part of the public API (that is {@code io.canarybalancer.api}), and free to change in
 * any release.
 */
package io.canarybalancer.balancer.rollout;
