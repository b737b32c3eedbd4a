package io.canarybalancer.replica.api;

/**
 * The body of {@code GET /version}: which program, which version, under which Consul name, and which
 * replica answered (so a client behind the balancer sees where its request went).
 *
 * @param service     {@code message-service} or {@code credit-service}
 * @param version     {@code v1}, {@code v2}, ...
 * @param serviceName the Consul service name ({@code service-v1})
 * @param replica     the replica's Consul service ID
 */
public record VersionView(String service, String version, String serviceName, String replica) {
}
