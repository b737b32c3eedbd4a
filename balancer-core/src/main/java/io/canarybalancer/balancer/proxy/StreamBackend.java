package io.canarybalancer.balancer.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;

/**
 * One attempt of an HTTP/2 client stream at one replica: the request goes out through it, over
 * HTTP/1.1 ({@link Http1StreamBackend}) or as an HTTP/2 stream ({@link Http2StreamBackend}), and
 * the answer comes back to the {@link StreamExchange} as HTTP/2 parts. Runs on the client
 * connection's event loop, like the exchange.
 */
interface StreamBackend {

    /** Connects (or takes a pooled connection) and sends the request's head. */
    void start();

    /** A part of the request body; ownership of {@code data} passes. {@code last} ends the request. */
    void requestData(ByteBuf data, boolean last);

    /** The request's trailers, which end it. */
    void requestTrailers(Http2Headers trailers);

    /** Sends what was written since the last flush. */
    void flush();

    /** Whether more of the request body can be written without piling up. */
    boolean writable();

    /** Asks for more of the answer (the client took what came so far). */
    void read();

    /** The exchange ended cleanly: keep what can be reused, drop the rest. */
    void finish();

    /** The exchange is abandoned: the client went away, or the attempt failed. Whatever is open closes. */
    void abort();
}
