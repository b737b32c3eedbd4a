/**
 * Connections to the replicas: keep-alive HTTP/1.1 pools and HTTP/2 connections, one set per event
 * loop and confined to it; and what the loops share: the backend TLS contexts, and the count of
 * each replica's connections with its cap ({@code limits.backendConnections}).
 *
 * <p>Internal: not part of the public API (that is {@code io.canarybalancer.api}), and free to change in
 * any release.
 */
package io.canarybalancer.balancer.proxy.pool;
