/**
 * Connections to the replicas: keep-alive HTTP/1.1 pools and HTTP/2 connections, one set per event
 * loop and confined to it, and the backend TLS contexts they share.
 *
 * <p>Internal: not part of the public API (that is {@code io.canarybalancer.api}), and free to change in
 * any release.
 */
package io.canarybalancer.balancer.proxy.pool;
