package io.canarybalancer.replica.core;

import java.util.List;

/**
 * Who this replica is, once its server listens: what {@code /version} answers and what Consul is told.
 *
 * @param service     the program's own name ({@code credit-service})
 * @param serviceName the Consul service name ({@code service-v1})
 * @param version     {@code v1}, {@code v2}, ...
 * @param tags        Consul tags
 * @param address     the address other hosts reach it at
 * @param port        the application port
 */
public record ReplicaIdentity(
        String service, String serviceName, String version, List<String> tags, String address, int port) {

    public ReplicaIdentity {
        tags = List.copyOf(tags);
    }

    /**
     * The Consul service ID: unique per replica because no two replicas share an address and a port,
     * and stable across restarts on the same address and port, so a restarted replica replaces its own
     * stale entry instead of adding a second one.
     */
    public String replicaId() {
        // ':' would split the ID in Consul's check IDs (service:<id>) and IPv6 addresses contain it.
        return serviceName + "-" + address.replace(':', '_') + "-" + port;
    }

    /** @return the URL of the health endpoint Consul probes */
    public String healthUrl() {
        String host = address.contains(":") ? "[" + address + "]" : address;
        return "http://" + host + ":" + port + "/health";
    }
}
