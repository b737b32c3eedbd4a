package io.canarybalancer.balancer.proxy.pool;

import io.netty.util.AttributeKey;

/**
 * What a pool knows of one of its HTTP/1.1 connections besides its address: the counters of its
 * replica, whether it holds one of the replica's places in use, and whether the balancer closed it.
 * Kept as a channel attribute, so handing the connection out and taking it back finds the counters
 * without a lookup. Confined to the connection's event loop.
 */
final class PooledConnection {
    static final AttributeKey<PooledConnection> KEY = AttributeKey.valueOf("canary.pooledConnection");

    final ConnectionCounts.Replica replica;
    /** The counters whose place in use the connection holds, or {@code null} while it is idle. */
    ConnectionCounts.Replica place;
    /** The balancer closed it for reasons of its own (idle too long, unsolicited bytes), not the backend. */
    boolean closedByBalancer;

    PooledConnection(ConnectionCounts.Replica replica) {
        this.replica = replica;
    }

    /** Takes the connection into use, in {@code reserved}'s place if one was reserved for it. */
    void take(ConnectionCounts.Replica reserved) {
        if (reserved != null) {
            place = reserved;
        } else {
            replica.take();
            place = replica;
        }
    }

    /** Gives its place in use back, if it holds one; whether it did. */
    boolean give() {
        if (place == null) {
            return false;
        }
        place.give();
        place = null;
        return true;
    }
}
