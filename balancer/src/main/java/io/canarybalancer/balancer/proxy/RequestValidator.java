package io.canarybalancer.balancer.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.NetUtil;

import java.util.List;

/**
 * Checks a request head that Netty decoded, for what its decoder accepts but the balancer must not
 * forward. Netty already refuses bare CR or LF, whitespace before a colon, control characters in
 * header names and values, {@code Content-Length} with {@code Transfer-Encoding} and repeated or
 * listed lengths; this adds:
 * <ul>
 *   <li>the version: only HTTP/1.0 and HTTP/1.1 (else 505);</li>
 *   <li>the method: a token (RFC 9110 tchar);</li>
 *   <li>the target: origin-form ({@code /path?query}), absolute-form with the {@code http} scheme
 *       and no user info, or {@code *} for {@code OPTIONS}; never a fragment, whitespace, control
 *       or non-ASCII characters, or a {@code %} not followed by two hex digits. Other printable
 *       characters that RFC 3986 wants escaped ({@code {}|^`} and the like) are let through:
 *       browsers send some of them raw in queries, and they cannot change how the line is split;</li>
 *   <li>the header count (431 above the limit) and a single {@code Host}, whose value is an RFC 3986
 *       {@code host [":" port]} (RFC 9112 section 3.2), as the authority of an absolute target must be;</li>
 *   <li>the body framing ({@link HttpFraming}).</li>
 * </ul>
 */
final class RequestValidator {

    private RequestValidator() {
    }

    /** Why {@code request} is refused, or {@code null} when it may be forwarded. */
    static InvalidRequestException check(HttpRequest request, int maxHeaderCount) {
        HttpVersion version = request.protocolVersion();
        if (!version.equals(HttpVersion.HTTP_1_1) && !version.equals(HttpVersion.HTTP_1_0)) {
            return new InvalidRequestException(HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED,
                    "only HTTP/1.0 and HTTP/1.1 are supported, got " + version.text());
        }
        if (request.headers().size() > maxHeaderCount) {
            return new InvalidRequestException(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                    "more than " + maxHeaderCount + " header fields");
        }
        String method = request.method().name();
        if (!isToken(method)) {
            return badRequest("invalid method");
        }
        String target = targetProblem(request.method(), request.uri());
        if (target != null) {
            return badRequest(target);
        }
        List<String> hosts = request.headers().getAll(HttpHeaderNames.HOST);
        if (hosts.size() > 1) {
            return badRequest("more than one Host header");
        }
        if (hosts.isEmpty() && version.equals(HttpVersion.HTTP_1_1)) {
            return badRequest("an HTTP/1.1 request needs a Host header");
        }
        String host = hosts.isEmpty() ? null : hosts.get(0);
        if (host != null && !isAuthority(host, 0, host.length())) {
            return badRequest("invalid Host: expected host[:port] (RFC 3986), without user info");
        }
        String framing = HttpFraming.problem(request.headers());
        return framing == null ? null : badRequest(framing);
    }

    private static InvalidRequestException badRequest(String reason) {
        return new InvalidRequestException(HttpResponseStatus.BAD_REQUEST, reason);
    }

    private static String targetProblem(HttpMethod method, String target) {
        if (method.equals(HttpMethod.CONNECT)) {
            return null; // authority-form; CONNECT is answered 405 anyway
        }
        if (target.equals("*")) {
            return method.equals(HttpMethod.OPTIONS) ? null : "'*' is a target for OPTIONS only";
        }
        if (target.startsWith("/")) {
            return pathAndQueryProblem(target, 0);
        }
        int colon = target.indexOf("://");
        if (colon < 0) {
            return "the target must start with '/' or 'http://'";
        }
        if (colon != 4 || !target.regionMatches(true, 0, "http", 0, 4)) {
            return "only the http scheme is accepted in an absolute target";
        }
        int start = colon + 3;
        int end = start;
        while (end < target.length() && target.charAt(end) != '/' && target.charAt(end) != '?') {
            end++;
        }
        if (!isAuthority(target, start, end)) {
            return "invalid host in the target: expected host[:port] (RFC 3986), without user info";
        }
        return pathAndQueryProblem(target, end);
    }

    private static String pathAndQueryProblem(String target, int from) {
        for (int i = from; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c == '#') {
                return "a target must not carry a fragment";
            }
            if (c <= ' ' || c >= 0x7f) {
                return "whitespace, control or non-ASCII character in the target";
            }
            if (c == '%' && (i + 2 >= target.length() || !isHex(target.charAt(i + 1)) || !isHex(target.charAt(i + 2)))) {
                return "'%' must be followed by two hex digits in the target";
            }
        }
        return null;
    }

    /**
     * Whether {@code text} from {@code start} to {@code end} is an RFC 3986 {@code host [":" port]}:
     * a reg-name (unreserved characters, sub-delims and %-escapes; an IPv4 address is one too) or
     * a bracketed IPv6 address, then optionally a port from 1 to 65535. Never empty, never user
     * info ('@'), whitespace or controls; IPvFuture literals are refused (nothing sends them).
     */
    static boolean isAuthority(CharSequence text, int start, int end) {
        int hostEnd = start;
        if (start < end && text.charAt(start) == '[') {
            while (hostEnd < end && text.charAt(hostEnd) != ']') {
                char c = text.charAt(hostEnd);
                if (hostEnd > start && !isHex(c) && c != ':' && c != '.') {
                    return false;
                }
                hostEnd++;
            }
            if (hostEnd == end || !NetUtil.isValidIpV6Address(text.subSequence(start + 1, hostEnd))) {
                return false;
            }
            hostEnd++;
        } else {
            while (hostEnd < end && text.charAt(hostEnd) != ':') {
                char c = text.charAt(hostEnd);
                if (c == '%') {
                    if (hostEnd + 2 >= end || !isHex(text.charAt(hostEnd + 1)) || !isHex(text.charAt(hostEnd + 2))) {
                        return false;
                    }
                    hostEnd += 2;
                } else if (!isRegNameChar(c)) {
                    return false;
                }
                hostEnd++;
            }
            if (hostEnd == start) {
                return false;
            }
        }
        return hostEnd == end || text.charAt(hostEnd) == ':' && isPort(text, hostEnd + 1, end);
    }

    /** RFC 3986 unreserved and sub-delims: what a reg-name is made of besides %-escapes. */
    private static boolean isRegNameChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                || "-._~!$&'()*+,;=".indexOf(c) >= 0;
    }

    /** One to five digits, 1 to 65535. */
    private static boolean isPort(CharSequence text, int start, int end) {
        if (start >= end || end - start > 5) {
            return false;
        }
        int port = 0;
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
            port = port * 10 + (c - '0');
        }
        return port >= 1 && port <= 65535;
    }

    private static boolean isHex(char c) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
    }

    static boolean isToken(String text) {
        if (text.isEmpty()) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean tchar = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!tchar) {
                return false;
            }
        }
        return true;
    }
}
