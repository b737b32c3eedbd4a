package io.canarybalancer.balancer.proxy;

import io.canarybalancer.balancer.route.PathNormaliser;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;

/**
 * Puts a validated request's target in the form routing decides on and the backend receives:
 * origin form ({@code /path?query}) with the path normalised by {@link PathNormaliser}. An
 * absolute-form target ({@code http://authority/path}) gives up its authority to {@code Host}, as
 * RFC 9112 section 3.2.2 asks of a proxy: the target's authority wins over the Host sent.
 */
final class OriginForm {

    private OriginForm() {
    }

    /** Rewrites {@code request} in place; {@code false} when its path climbs above the root (answer 400). */
    static boolean apply(HttpRequest request) {
        String target = request.uri();
        int scheme = target.startsWith("/") ? -1 : target.indexOf("://");
        if (scheme >= 0) {
            int start = scheme + 3;
            int end = start;
            while (end < target.length() && target.charAt(end) != '/' && target.charAt(end) != '?') {
                end++;
            }
            request.headers().set(HttpHeaderNames.HOST, target.substring(start, end));
            target = end == target.length() || target.charAt(end) == '?' ? "/" + target.substring(end)
                    : target.substring(end);
        }
        String normal = PathNormaliser.normalise(target);
        if (normal == null) {
            return false;
        }
        if (!normal.equals(request.uri())) {
            request.setUri(normal);
        }
        return true;
    }
}
