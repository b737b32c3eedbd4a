package io.canarybalancer.balancer.proxy.pool;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;

/**
 * What the pipeline of a new TLS backend connection needs to start its handshake. The pool sets it
 * as the channel attribute {@link #KEY} before the pipeline is built; a channel without it speaks
 * plain HTTP.
 *
 * @param peerHost           the name given to the engine: SNI (when a DNS name), the host name
 *                           checked when the setting asks for it, and the key of TLS session reuse
 * @param handshakeTimeoutMs how long the handshake may take before the connection counts as failed
 */
public record TlsPeer(SslContext context, String peerHost, int peerPort, long handshakeTimeoutMs) {
    public static final AttributeKey<TlsPeer> KEY = AttributeKey.valueOf("canary.tls");

    /** A client handler for one connection; put it first in the pipeline. */
    public SslHandler newHandler(ByteBufAllocator allocator) {
        SslHandler handler = context.newHandler(allocator, peerHost, peerPort);
        handler.setHandshakeTimeoutMillis(handshakeTimeoutMs);
        return handler;
    }
}
