package io.canarybalancer.balancer.proxy.pool;

import io.netty.channel.Channel;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The idle connections of one kind (plain, or TLS with one setting), by backend address, most
 * recently used first. Confined to the event loop of its {@link BackendPool}.
 */
final class IdleConnections {
    private final Map<InetSocketAddress, ArrayDeque<Channel>> byAddress = new HashMap<>();
    private final int maxPerAddress;

    IdleConnections(int maxPerAddress) {
        this.maxPerAddress = maxPerAddress;
    }

    /** The most recently used open connection to {@code address}, or {@code null}; closed ones are dropped. */
    Channel poll(InetSocketAddress address) {
        ArrayDeque<Channel> channels = byAddress.get(address);
        if (channels == null) {
            return null;
        }
        Channel channel;
        while ((channel = channels.pollFirst()) != null) {
            if (channel.isActive()) {
                return channel;
            }
        }
        return null;
    }

    /** Keeps {@code channel}; false when {@code address} already has as many idle connections as allowed. */
    boolean offer(InetSocketAddress address, Channel channel) {
        ArrayDeque<Channel> channels = byAddress.computeIfAbsent(address, key -> new ArrayDeque<>());
        if (channels.size() >= maxPerAddress) {
            return false;
        }
        channels.addFirst(channel);
        return true;
    }

    void remove(InetSocketAddress address, Channel channel) {
        ArrayDeque<Channel> channels = byAddress.get(address);
        if (channels != null) {
            channels.remove(channel);
            if (channels.isEmpty()) {
                byAddress.remove(address);
            }
        }
    }
}
