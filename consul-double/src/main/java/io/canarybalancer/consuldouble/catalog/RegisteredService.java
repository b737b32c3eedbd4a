package io.canarybalancer.consuldouble.catalog;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A service instance as the double's catalog holds it, exactly as it was registered. Tests read it to
 * assert what a self-registering service sent ({@link io.canarybalancer.consuldouble.ConsulDouble#service(String)}).
 *
 * @param id                service ID, unique across the double
 * @param name              service name
 * @param tags              tags in registration order (never null)
 * @param address           service address as registered, {@code ""} when the node address applies
 * @param port              port, 0 when none was given
 * @param meta              metadata, or null when the registration carried none (Consul renders it as null too)
 * @param weightsPassing    DNS weight while passing (default 1)
 * @param weightsWarning    DNS weight while warning (default 1)
 * @param enableTagOverride as registered
 * @param node              name of the node the instance lives on
 * @param createIndex       raft index of the first registration
 * @param modifyIndex       raft index of the last (re-)registration
 */
public record RegisteredService(
        String id,
        String name,
        List<String> tags,
        String address,
        int port,
        Map<String, String> meta,
        int weightsPassing,
        int weightsWarning,
        boolean enableTagOverride,
        String node,
        long createIndex,
        long modifyIndex) {

    public RegisteredService {
        tags = List.copyOf(tags);
        meta = meta == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(meta));
    }

    RegisteredService withIndexes(long create, long modify) {
        return new RegisteredService(id, name, tags, address, port, meta, weightsPassing, weightsWarning,
                enableTagOverride, node, create, modify);
    }
}
