/**
 * Routing: the immutable routing table, the path prefix tree, the rules that choose stable or
 * canary for a request (weight, header, sticky key) and the replica within a pool, first try or retry.
 *
 * <p>Internal: not part of the public API (that is {@code io.canarybalancer.api}), and free to change in
 * any release.
 */
package io.canarybalancer.balancer.route;
