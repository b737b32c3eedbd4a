/**
 * Automated canary analysis: each route's canary judged against stable over a sliding window
 * (errors, latency, and on mirrored copies their differences), stepping the canary's weight up or rolling
 * it back.
 *
 * <p>Internal: not part of the public API (that is {@code io.canarybalancer.api}), and free to change in
 * any release.
 */
package io.canarybalancer.balancer.analysis;
