package io.canarybalancer.consuldouble.catalog;

/**
 * A health check as the double holds it. Node-level checks ({@code serfHealth}, {@code _node_maintenance})
 * have an empty {@code serviceId}.
 *
 * @param node                           node the check belongs to
 * @param checkId                        check ID ({@code service:web-1}, {@code serfHealth}, ...)
 * @param name                           display name
 * @param status                         {@code passing}, {@code warning} or {@code critical}
 * @param notes                          free-text notes (maintenance reason for maintenance checks)
 * @param output                         latest output as the local agent knows it ({@code /v1/agent/checks})
 * @param syncedOutput                   output visible in {@code /v1/health}; lags {@code output} after
 *                                       output-only changes, like the agent's {@code check_update_interval}
 * @param serviceId                      owning service ID, {@code ""} for node checks
 * @param serviceName                    owning service name, {@code ""} for node checks
 * @param type                           {@code ttl}, {@code http}, {@code tcp}, {@code grpc}, {@code script},
 *                                       {@code maintenance} or {@code ""} (serfHealth)
 * @param ttl                            TTL as registered (e.g. {@code 15s}), {@code ""} when none
 * @param http                           HTTP URL for HTTP checks, else {@code ""}
 * @param tcp                            host:port for TCP checks, else {@code ""}
 * @param grpc                           target for gRPC checks, else {@code ""}
 * @param interval                       interval as registered, {@code ""} when none
 * @param timeout                        timeout as registered, {@code ""} when none
 * @param deregisterCriticalServiceAfter as registered, {@code ""} when none (the double does not reap)
 * @param createIndex                    raft index of creation
 * @param modifyIndex                    raft index of the last status change
 */
public record RegisteredCheck(
        String node,
        String checkId,
        String name,
        String status,
        String notes,
        String output,
        String syncedOutput,
        String serviceId,
        String serviceName,
        String type,
        String ttl,
        String http,
        String tcp,
        String grpc,
        String interval,
        String timeout,
        String deregisterCriticalServiceAfter,
        long createIndex,
        long modifyIndex) {

    /** @return true for checks that belong to the node rather than to one service */
    public boolean isNodeCheck() {
        return serviceId.isEmpty();
    }

    RegisteredCheck withState(String newStatus, String newOutput, String newSyncedOutput, long newModifyIndex) {
        return new RegisteredCheck(node, checkId, name, newStatus, notes, newOutput, newSyncedOutput, serviceId,
                serviceName, type, ttl, http, tcp, grpc, interval, timeout, deregisterCriticalServiceAfter,
                createIndex, newModifyIndex);
    }

    RegisteredCheck withIndexes(long create, long modify) {
        return new RegisteredCheck(node, checkId, name, status, notes, output, syncedOutput, serviceId,
                serviceName, type, ttl, http, tcp, grpc, interval, timeout, deregisterCriticalServiceAfter,
                create, modify);
    }

    RegisteredCheck withServiceName(String newServiceName) {
        return new RegisteredCheck(node, checkId, name, status, notes, output, syncedOutput, serviceId,
                newServiceName, type, ttl, http, tcp, grpc, interval, timeout, deregisterCriticalServiceAfter,
                createIndex, modifyIndex);
    }
}
