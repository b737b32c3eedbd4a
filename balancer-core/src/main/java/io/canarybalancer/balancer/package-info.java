/**
 * The balancer as one program: {@link io.canarybalancer.balancer.Balancer} starts and wires the
 * parts named by the sub-packages (configuration, discovery, rollout, routing, proxy, analysis, mirror,
 * admin) and drains and stops them. The only package that depends on all the others.
 *
 * <p>Internal: not part of the public API (that is {@code io.canarybalancer.api}), and free to change in
 * any release.
 */
package io.canarybalancer.balancer;
