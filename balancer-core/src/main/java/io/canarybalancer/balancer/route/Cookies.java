package io.canarybalancer.balancer.route;

/** Reads one cookie out of a {@code Cookie} request header ({@code a=1; b=2}), as RFC 6265 sends it. */
public final class Cookies {

    private Cookies() {
    }

    /**
     * The value of the first cookie named {@code name} (case-sensitive, as cookie names are), with
     * surrounding double quotes removed; {@code null} when {@code header} is {@code null} or has no
     * such cookie. The value is a view into {@code header}, not a copy.
     */
    public static CharSequence value(CharSequence header, CharSequence name) {
        if (header == null) {
            return null;
        }
        int length = header.length();
        int start = 0;
        while (start < length) {
            int end = start;
            while (end < length && header.charAt(end) != ';') {
                end++;
            }
            int from = skipSpaces(header, start, end);
            int equals = from;
            while (equals < end && header.charAt(equals) != '=') {
                equals++;
            }
            if (equals < end && trimmedEquals(header, from, equals, name)) {
                int valueStart = skipSpaces(header, equals + 1, end);
                int valueEnd = end;
                while (valueEnd > valueStart && header.charAt(valueEnd - 1) == ' ') {
                    valueEnd--;
                }
                if (valueEnd - valueStart >= 2 && header.charAt(valueStart) == '"' && header.charAt(valueEnd - 1) == '"') {
                    valueStart++;
                    valueEnd--;
                }
                return new Region(header, valueStart, valueEnd);
            }
            start = end + 1;
        }
        return null;
    }

    /** Part of a header value, read in place: routing hashes it and lets it go, so nothing is copied. */
    private record Region(CharSequence text, int start, int end) implements CharSequence {
        @Override
        public int length() {
            return end - start;
        }

        @Override
        public char charAt(int index) {
            return text.charAt(start + index);
        }

        @Override
        public CharSequence subSequence(int from, int to) {
            return new Region(text, start + from, start + to);
        }

        @Override
        public String toString() {
            return text.subSequence(start, end).toString();
        }
    }

    private static int skipSpaces(CharSequence text, int from, int to) {
        while (from < to && (text.charAt(from) == ' ' || text.charAt(from) == '\t')) {
            from++;
        }
        return from;
    }

    private static boolean trimmedEquals(CharSequence text, int from, int to, CharSequence name) {
        while (to > from && (text.charAt(to - 1) == ' ' || text.charAt(to - 1) == '\t')) {
            to--;
        }
        if (to - from != name.length()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (text.charAt(from + i) != name.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
