package io.canarybalancer.balancer.proxy;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * The client connection preface of HTTP/2 (RFC 9113 section 3.4), by which a client with prior
 * knowledge opens a cleartext HTTP/2 connection on a port that also serves HTTP/1.1. As an
 * HTTP/1.1 head it would read as a complete request ({@code PRI * HTTP/2.0} and an empty line),
 * so it is looked for before any head is parsed.
 */
final class Http2Preface {
    /** The bytes so far are not the preface: the connection speaks HTTP/1.1. */
    static final int NONE = 0;
    /** The bytes so far are the start of the preface: wait for more. */
    static final int PART = 1;
    /** The whole preface arrived. */
    static final int WHOLE = 2;

    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private Http2Preface() {
    }

    /** How the readable bytes of {@code in}, a connection's first, compare with the preface. */
    static int match(ByteBuf in) {
        int from = in.readerIndex();
        int length = Math.min(in.readableBytes(), PREFACE.length);
        for (int i = 0; i < length; i++) {
            if (in.getByte(from + i) != PREFACE[i]) {
                return NONE;
            }
        }
        return length == PREFACE.length ? WHOLE : PART;
    }
}
