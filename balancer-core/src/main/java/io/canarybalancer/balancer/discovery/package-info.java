/**
 * Where replicas come from (a replica file, Consul, or the embedding program), and how a catalog
 * of instances and the configured routes become a routing table.
 *
 * <p>Internal: not part of the public API (that is {@code io.canarybalancer.api}), and free to change in
 * any release.
 */
package io.canarybalancer.balancer.discovery;
