/**
 * What the proxy saw, counted on the request path: requests per route, pool, replica
 * and status class, and each pool's outcomes for canary analysis.
 *
 * <p>Internal: not part of the public API (that is {@code io.canarybalancer.api}), and free to change in
 * any release.
 */
package io.canarybalancer.balancer.metrics;
