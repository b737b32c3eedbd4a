package io.canarybalancer.balancer.proxy.http1;

import java.nio.charset.StandardCharsets;

/**
 * The header fields the proxy reads or rewrites, as byte codes recognised once, while a head is
 * parsed: framing, connection management, forwarding, and the hop-by-hop fields of RFC 9110
 * section 7.6.1 that never cross the proxy.
 */
public final class FieldName {
    public static final byte OTHER = 0;
    public static final byte HOST = 1;
    public static final byte CONTENT_LENGTH = 2;
    public static final byte TRANSFER_ENCODING = 3;
    public static final byte CONNECTION = 4;
    public static final byte KEEP_ALIVE = 5;
    public static final byte PROXY_CONNECTION = 6;
    public static final byte TE = 7;
    public static final byte TRAILER = 8;
    public static final byte UPGRADE = 9;
    public static final byte PROXY_AUTHENTICATE = 10;
    public static final byte PROXY_AUTHORIZATION = 11;
    public static final byte EXPECT = 12;
    public static final byte X_FORWARDED_FOR = 13;
    public static final byte X_FORWARDED_PROTO = 14;
    public static final byte X_FORWARDED_HOST = 15;
    public static final byte X_CANARY_POOL = 16;

    private static final byte[][] LOWER = new byte[17][];

    static {
        String[] names = {null, "host", "content-length", "transfer-encoding", "connection", "keep-alive",
                "proxy-connection", "te", "trailer", "upgrade", "proxy-authenticate", "proxy-authorization", "expect",
                "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-canary-pool"};
        for (int i = 1; i < names.length; i++) {
            LOWER[i] = names[i].getBytes(StandardCharsets.US_ASCII);
        }
    }

    private FieldName() {
    }

    /** The bit of a code in a set of codes. */
    public static int bit(byte name) {
        return 1 << name;
    }

    /** Whether a field of this code is hop-by-hop: removed by the proxy in both directions. */
    public static boolean hopByHop(byte name) {
        return name >= TRANSFER_ENCODING && name <= PROXY_AUTHORIZATION;
    }

    /** The code of the token {@code [from, to)} of {@code bytes} (a valid field name). */
    static byte of(byte[] bytes, int from, int to) {
        switch (to - from) {
            case 2:
                return is(bytes, from, to, TE);
            case 4:
                return is(bytes, from, to, HOST);
            case 6:
                return is(bytes, from, to, EXPECT);
            case 7:
                return (bytes[from] | 0x20) == 't' ? is(bytes, from, to, TRAILER) : is(bytes, from, to, UPGRADE);
            case 10:
                return (bytes[from] | 0x20) == 'c' ? is(bytes, from, to, CONNECTION) : is(bytes, from, to, KEEP_ALIVE);
            case 13:
                return is(bytes, from, to, X_CANARY_POOL);
            case 14:
                return is(bytes, from, to, CONTENT_LENGTH);
            case 15:
                return is(bytes, from, to, X_FORWARDED_FOR);
            case 16:
                return (bytes[from] | 0x20) == 'p' ? is(bytes, from, to, PROXY_CONNECTION) : is(bytes, from, to, X_FORWARDED_HOST);
            case 17:
                return (bytes[from] | 0x20) == 't' ? is(bytes, from, to, TRANSFER_ENCODING) : is(bytes, from, to, X_FORWARDED_PROTO);
            case 18:
                return is(bytes, from, to, PROXY_AUTHENTICATE);
            case 19:
                return is(bytes, from, to, PROXY_AUTHORIZATION);
            default:
                return OTHER;
        }
    }

    private static byte is(byte[] bytes, int from, int to, byte name) {
        return Ascii.equalsLowerName(bytes, from, to, LOWER[name]) ? name : OTHER;
    }
}
