package io.canarybalancer.balancer.route;

/**
 * The path that routing decides on and the backend receives: RFC 3986 normalisation, limited to
 * the steps that cannot change what a path means to any server. Escapes of unreserved characters
 * are decoded ({@code %63} is {@code c}; RFC 3986 section 6.2.2.2), then dot segments are removed
 * (section 5.2.4). Escapes of anything else stay as sent: {@code %2F} is data, not a separator.
 * A pure function over the target's text, so a head scanner can call it as well as Netty's request.
 */
public final class PathNormaliser {

    private PathNormaliser() {
    }

    /**
     * {@code target} in origin form ({@code /path}, optionally {@code ?query}) with its path
     * normalised and its query as sent; {@code target} itself when it is already normal (the usual
     * case, which allocates nothing), and {@code null} when a {@code ..} would climb above the root.
     * Other forms ({@code *}) come back unchanged.
     */
    public static String normalise(String target) {
        int end = target.indexOf('?');
        if (end < 0) {
            end = target.length();
        }
        return isNormal(target, end) ? target : rewrite(target, end);
    }

    /** Whether the path, up to {@code end}, holds no dot segment and no escaped unreserved character. */
    private static boolean isNormal(String path, int end) {
        int segment = 0;
        for (int i = 0; i <= end; i++) {
            char c = i < end ? path.charAt(i) : '/';
            if (c == '/') {
                if (isDotSegment(path, segment, i) != 0) {
                    return false;
                }
                segment = i + 1;
            } else if (c == '%' && unreserved(path, i, end) >= 0) {
                return false;
            }
        }
        return true;
    }

    private static String rewrite(String target, int end) {
        StringBuilder decoded = new StringBuilder(end);
        for (int i = 0; i < end; i++) {
            char c = target.charAt(i);
            int unreserved = c == '%' ? unreserved(target, i, end) : -1;
            if (unreserved >= 0) {
                decoded.append((char) unreserved);
                i += 2;
            } else {
                decoded.append(c);
            }
        }
        if (decoded.isEmpty() || decoded.charAt(0) != '/') {
            return target; // not origin form: nothing to remove dot segments from
        }
        // Section 5.2.4 on an absolute path, segment by segment; out never ends in '/' except
        // after a final "." or "..", and an empty out is the root.
        StringBuilder out = new StringBuilder(decoded.length());
        int length = decoded.length();
        for (int slash = 0; slash < length; ) {
            int next = slash + 1;
            while (next < length && decoded.charAt(next) != '/') {
                next++;
            }
            int dots = isDotSegment(decoded, slash + 1, next);
            if (dots == 2) {
                if (out.isEmpty()) {
                    return null; // above the root
                }
                out.setLength(out.lastIndexOf("/"));
            } else if (dots == 0) {
                out.append(decoded, slash, next);
            }
            if (dots != 0 && next == length) {
                out.append('/'); // "/a/b/.." is the folder "/a/"
            }
            slash = next;
        }
        if (out.isEmpty()) {
            out.append('/');
        }
        return out.append(target, end, target.length()).toString();
    }

    /** 1 for a "." segment, 2 for "..", 0 for any other segment between {@code from} and {@code to}. */
    private static int isDotSegment(CharSequence path, int from, int to) {
        int length = to - from;
        if (length < 1 || length > 2 || path.charAt(from) != '.' || length == 2 && path.charAt(from + 1) != '.') {
            return 0;
        }
        return length;
    }

    /** The character of the escape at {@code i} when it is an unreserved one (RFC 3986 section 2.3), else -1. */
    private static int unreserved(String path, int i, int end) {
        if (i + 2 >= end) {
            return -1;
        }
        int high = hex(path.charAt(i + 1));
        int low = hex(path.charAt(i + 2));
        if (high < 0 || low < 0) {
            return -1;
        }
        char c = (char) (high << 4 | low);
        boolean unreserved = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                || c == '-' || c == '.' || c == '_' || c == '~';
        return unreserved ? c : -1;
    }

    private static int hex(char c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    }
}
