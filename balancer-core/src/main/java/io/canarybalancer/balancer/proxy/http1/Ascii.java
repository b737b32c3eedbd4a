package io.canarybalancer.balancer.proxy.http1;

import java.nio.charset.StandardCharsets;

/** Byte classes of the HTTP grammar (RFC 9110 section 5.6), by table, and ASCII comparisons over bytes. */
final class Ascii {
    private static final byte TOKEN = 1;
    private static final byte FIELD = 2;
    private static final byte TARGET = 4;
    private static final byte HEX = 8;
    private static final byte[] CLASSES = new byte[256];

    static {
        for (int c = 0; c < 256; c++) {
            byte bits = 0;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "!#$%&'*+-.^_`|~".indexOf(c) >= 0) {
                bits |= TOKEN;
            }
            if (c == '\t' || c >= ' ' && c != 0x7f) {
                bits |= FIELD; // field-content: VCHAR, obs-text, SP and HTAB
            }
            if (c > ' ' && c < 0x7f && c != '#') {
                bits |= TARGET; // printable ASCII; '%' is checked for its two hex digits separately
            }
            if (c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
                bits |= HEX;
            }
            CLASSES[c] = bits;
        }
    }

    private Ascii() {
    }

    static boolean isTokenChar(byte c) {
        return (CLASSES[c & 0xff] & TOKEN) != 0;
    }

    static boolean isFieldChar(byte c) {
        return (CLASSES[c & 0xff] & FIELD) != 0;
    }

    static boolean isTargetChar(byte c) {
        return (CLASSES[c & 0xff] & TARGET) != 0;
    }

    static boolean isHex(byte c) {
        return (CLASSES[c & 0xff] & HEX) != 0;
    }

    /** Whether bytes {@code [from, to)} spell {@code text}, ignoring ASCII case. */
    static boolean equalsIgnoreCase(byte[] bytes, int from, int to, CharSequence text) {
        if (to - from != text.length()) {
            return false;
        }
        for (int i = from; i < to; i++) {
            int a = bytes[i] & 0xff;
            int b = text.charAt(i - from);
            if (a != b && (toLower(a) != toLower(b))) {
                return false;
            }
        }
        return true;
    }

    /** Whether two ranges of {@code bytes} are equal, ignoring ASCII case. */
    static boolean regionsEqualIgnoreCase(byte[] bytes, int from, int to, int otherFrom, int otherTo) {
        if (to - from != otherTo - otherFrom) {
            return false;
        }
        for (int i = from, j = otherFrom; i < to; i++, j++) {
            int a = bytes[i] & 0xff;
            int b = bytes[j] & 0xff;
            if (a != b && toLower(a) != toLower(b)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether bytes {@code [from, to)} spell {@code lowerName}, a lower-case name of letters, digits
     * and '-'. Setting bit 0x20 lower-cases a letter and leaves '-' and digits as they are; no other
     * token character becomes a letter, '-' or digit that way.
     */
    static boolean equalsLowerName(byte[] bytes, int from, int to, byte[] lowerName) {
        if (to - from != lowerName.length) {
            return false;
        }
        for (int i = 0; i < lowerName.length; i++) {
            if ((bytes[from + i] | 0x20) != lowerName[i]) {
                return false;
            }
        }
        return true;
    }

    private static int toLower(int c) {
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    }

    static String string(byte[] bytes, int from, int to) {
        return new String(bytes, from, to - from, StandardCharsets.ISO_8859_1);
    }
}
