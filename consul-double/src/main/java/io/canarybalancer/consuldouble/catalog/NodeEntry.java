package io.canarybalancer.consuldouble.catalog;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * A catalog node. Every node gets a {@code serfHealth} check, because real nodes do and because that
 * check is how a node failure knocks out all of its instances.
 *
 * @param name        node name
 * @param address     node address, the fallback when a service registers an empty address
 * @param id          node UUID, derived from the name so it is stable across runs
 * @param createIndex raft index of creation
 * @param modifyIndex raft index of last change
 */
public record NodeEntry(String name, String address, String id, long createIndex, long modifyIndex) {

    static NodeEntry create(String name, String address, long index) {
        String id = UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
        return new NodeEntry(name, address, id, index, index);
    }

    NodeEntry withIndexes(long create, long modify) {
        return new NodeEntry(name, address, id, create, modify);
    }
}
