package io.canarybalancer.balancer.proxy.http1;

import io.netty.util.NetUtil;

/**
 * The RFC 3986 {@code host [":" port]} that a {@code Host} header and the authority of an absolute
 * target must be (RFC 9112 section 3.2): a reg-name (unreserved characters, sub-delims and
 * %-escapes; an IPv4 address is one too) or a bracketed IPv6 address, then optionally a port from 1
 * to 65535. Never empty, never user info ('@'), whitespace or controls; IPvFuture literals are
 * refused (nothing sends them).
 */
public final class Authority {
    private static final boolean[] REG_NAME = new boolean[128];

    static {
        for (char c = 0; c < 128; c++) {
            REG_NAME[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || "-._~!$&'()*+,;=".indexOf(c) >= 0;
        }
    }

    private Authority() {
    }

    /** Whether {@code authority} is valid: an HTTP/2 {@code :authority}, held to the rule of {@code Host}. */
    public static boolean isValid(CharSequence authority) {
        byte[] bytes = new byte[authority.length()];
        for (int i = 0; i < bytes.length; i++) {
            char c = authority.charAt(i);
            bytes[i] = c < 128 ? (byte) c : (byte) 0; // anything beyond ASCII is invalid anyway
        }
        return isValid(bytes, 0, bytes.length);
    }

    /** Whether bytes {@code [start, end)} are a valid authority. */
    static boolean isValid(byte[] text, int start, int end) {
        int hostEnd = start;
        if (start < end && text[start] == '[') {
            while (hostEnd < end && text[hostEnd] != ']') {
                byte c = text[hostEnd];
                if (hostEnd > start && !Ascii.isHex(c) && c != ':' && c != '.') {
                    return false;
                }
                hostEnd++;
            }
            if (hostEnd == end || !NetUtil.isValidIpV6Address(new AsciiView(text, start + 1, hostEnd))) {
                return false;
            }
            hostEnd++;
        } else {
            while (hostEnd < end && text[hostEnd] != ':') {
                byte c = text[hostEnd];
                if (c == '%') {
                    if (hostEnd + 2 >= end || !Ascii.isHex(text[hostEnd + 1]) || !Ascii.isHex(text[hostEnd + 2])) {
                        return false;
                    }
                    hostEnd += 2;
                } else if (c < 0 || !REG_NAME[c]) {
                    return false;
                }
                hostEnd++;
            }
            if (hostEnd == start) {
                return false;
            }
        }
        return hostEnd == end || text[hostEnd] == ':' && isPort(text, hostEnd + 1, end);
    }

    /** One to five digits, 1 to 65535. */
    private static boolean isPort(byte[] text, int start, int end) {
        if (start >= end || end - start > 5) {
            return false;
        }
        int port = 0;
        for (int i = start; i < end; i++) {
            byte c = text[i];
            if (c < '0' || c > '9') {
                return false;
            }
            port = port * 10 + (c - '0');
        }
        return port >= 1 && port <= 65535;
    }
}
