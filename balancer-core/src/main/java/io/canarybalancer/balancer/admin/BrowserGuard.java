package io.canarybalancer.balancer.admin;

import io.canarybalancer.balancer.admin.AllowedHosts.Authority;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;

import java.util.List;
import java.util.Locale;

/**
 * Keeps web pages from driving the admin API through the operator's browser. Two attacks, two rules:
 * <ul>
 *   <li>DNS rebinding: a page's own name is made to resolve to this machine, so its requests, reads
 *       included, reach the listener as same-origin. Its {@code Host} still carries the page's
 *       name: every request must name the listener ({@link AllowedHosts}).</li>
 *   <li>Cross-site requests: any page may send a "simple" POST (no preflight, {@code no-cors}) to
 *       127.0.0.1. A browser only sends {@code Content-Type: application/json} or an
 *       {@code Authorization} header across origins after a CORS preflight, which this API never
 *       grants; and when it names the page's {@code Origin}, that origin must be the listener's
 *       own. So a change must carry the JSON type (or the token), and a foreign origin is refused.</li>
 * </ul>
 */
final class BrowserGuard {
    private static final String HOST_RULE = "the Host header must name the admin listener (its address, localhost"
            + " or a name in admin.allowedHosts)";

    private final AllowedHosts hosts;

    BrowserGuard(AllowedHosts hosts) {
        this.hosts = hosts;
    }

    /** Why the request must be refused whatever it asks for, or {@code null}: a {@code Host} check. */
    String refuseHost(HttpRequest request) {
        List<String> values = request.headers().getAll(HttpHeaderNames.HOST);
        if (values.size() != 1) {
            return HOST_RULE + "; got " + (values.isEmpty() ? "none" : values.size() + " Host headers");
        }
        Authority host = Authority.parse(values.get(0));
        if (host == null || !hosts.allows(host.host())) {
            return HOST_RULE + "; got '" + values.get(0) + "'";
        }
        return null;
    }

    /**
     * Why a request that may change state must be refused, or {@code null}. Reads (GET, HEAD) pass;
     * {@code withToken} says the request carried the admin token (an intent no page can fake).
     */
    String refuseChange(HttpRequest request, boolean withToken) {
        HttpMethod method = request.method();
        if (method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD)) {
            return null;
        }
        String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        if (origin != null && !sameOrigin(origin, Authority.parse(request.headers().get(HttpHeaderNames.HOST)))) {
            return "a change may come only from the admin listener's own page; Origin '" + origin + "' is another";
        }
        if (!withToken && !json(request.headers().get(HttpHeaderNames.CONTENT_TYPE))) {
            return "a change needs Content-Type: application/json (or the admin token), which no other web page"
                    + " can send here";
        }
        return null;
    }

    /**
     * Whether {@code origin} ({@code scheme://host[:port]}) is the listener as the request's Host names
     * it, or a name listed in {@code admin.allowedHosts}: a proxy in front (https://ops.example for a
     * listener on 127.0.0.1:48152) may forward its own Host or the listener's, and serves its own port.
     */
    private boolean sameOrigin(String origin, Authority host) {
        int separator = origin.indexOf("://");
        if (separator < 0 || host == null) {
            return false; // includes "null", the origin of sandboxed frames and local files
        }
        String scheme = origin.substring(0, separator).toLowerCase(Locale.ROOT);
        int defaultPort = switch (scheme) {
            case "http" -> 80;
            case "https" -> 443; // a TLS proxy in front of the listener
            default -> -1;
        };
        Authority page = Authority.parse(origin.substring(separator + 3));
        if (defaultPort < 0 || page == null || !hosts.allows(page.host())) {
            return false;
        }
        if (hosts.configured(page.host())) {
            return true;
        }
        int pagePort = page.port() < 0 ? defaultPort : page.port();
        int hostPort = host.port() < 0 ? defaultPort : host.port();
        return pagePort == hostPort;
    }

    /** Whether a Content-Type is JSON: {@code application/json}, parameters such as charset allowed. */
    private static boolean json(String contentType) {
        if (contentType == null) {
            return false;
        }
        int semicolon = contentType.indexOf(';');
        String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim();
        return type.equalsIgnoreCase("application/json");
    }
}
