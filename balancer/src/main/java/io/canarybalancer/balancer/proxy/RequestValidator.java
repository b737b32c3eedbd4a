package io.canarybalancer.balancer.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

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
 *   <li>the header count (431 above the limit) and a single {@code Host};</li>
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
        int hosts = request.headers().getAll(HttpHeaderNames.HOST).size();
        if (hosts > 1) {
            return badRequest("more than one Host header");
        }
        if (hosts == 0 && version.equals(HttpVersion.HTTP_1_1)) {
            return badRequest("an HTTP/1.1 request needs a Host header");
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
        String authority = target.substring(start, end);
        if (authority.isEmpty() || !authority.chars().allMatch(RequestValidator::isAuthorityChar)) {
            return "invalid host in the target (user info is not accepted)";
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

    /** reg-name, IPv4, bracketed IPv6 and a port; no '@', so no user info. */
    private static boolean isAuthorityChar(int c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                || c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
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
