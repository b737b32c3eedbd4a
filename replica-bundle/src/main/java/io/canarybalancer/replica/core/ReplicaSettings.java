package io.canarybalancer.replica.core;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a replica needs to describe and register itself, resolved once from the configuration and
 * the environment. The port is not part of it: it is known only once the server listens.
 *
 * @param service       the program's own name, as {@code /version} reports it
 * @param serviceName   the Consul service name ({@code service-v1})
 * @param version       the version reported by {@code /version} ({@code v1})
 * @param tags          Consul tags, in order, without blanks or duplicates
 * @param address       the address other hosts reach this replica at
 * @param consulUrl     the Consul agent, or empty when this replica registers nowhere
 * @param consulToken   the ACL token, if any
 * @param timings       check and retry timings
 */
public record ReplicaSettings(
        String service,
        String serviceName,
        String version,
        List<String> tags,
        String address,
        Optional<URI> consulUrl,
        Optional<String> consulToken,
        Timings timings) {

    public ReplicaSettings {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(serviceName, "serviceName");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(address, "address");
        tags = List.copyOf(tags);
        Objects.requireNonNull(consulUrl, "consulUrl");
        Objects.requireNonNull(consulToken, "consulToken");
        Objects.requireNonNull(timings, "timings");
    }

    /** @return this replica's identity once the server listens on {@code port} */
    public ReplicaIdentity at(int port) {
        return new ReplicaIdentity(service, serviceName, version, tags, address, port);
    }

    /**
     * Consul check and registration retry timings.
     *
     * @param checkInterval    how often Consul probes {@code /health}
     * @param checkTimeout     how long one probe may take
     * @param deregisterAfter  how long a critical replica stays registered
     * @param retryInterval    first delay between failed registration attempts
     * @param maxRetryInterval the delay's upper bound as it doubles
     * @param resyncInterval   how often a registered replica checks the agent still knows it
     * @param consulTimeout    connect and read timeout of one agent call
     */
    public record Timings(
            Duration checkInterval,
            Duration checkTimeout,
            Duration deregisterAfter,
            Duration retryInterval,
            Duration maxRetryInterval,
            Duration resyncInterval,
            Duration consulTimeout) {
    }
}
