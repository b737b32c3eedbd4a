/**
 * Mirrored traffic: which requests are copied to the canary, the comparison of the two answers
 * (status, headers, body as bytes or JSON), and the counts and recent differences shown and judged.
 *
 * <p>Internal: not part of the public API (that is {@code io.canarybalancer.api}), and free to change in
 * any release.
 */
package io.canarybalancer.balancer.mirror;
