/**
 * The proxy itself: listeners, client connections (HTTP/1.1 read in place, HTTP/2 streams),
 * exchanges relayed to backend connections, retries, passive health, timeouts, drain, tunnels and
 * mirrored copies.
 *
 * <p>Internal: not part of the public API (that is {@code io.canarybalancer.api}), and free to change in
 * any release.
 */
package io.canarybalancer.balancer.proxy;
