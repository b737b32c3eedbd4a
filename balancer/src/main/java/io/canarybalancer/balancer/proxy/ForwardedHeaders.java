package io.canarybalancer.balancer.proxy;

import io.canarybalancer.balancer.route.PoolRole;
import io.canarybalancer.balancer.route.Replica;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;

/**
 * Rewrites headers as a request crosses to a backend and a response comes back: hop-by-hop headers
 * removed (RFC 9110 §7.6.1), framing re-declared for the next hop, forwarding headers set.
 *
 * <p>Framing is never taken from the client's word on the next hop: the body is re-encoded by
 * Netty from what was decoded, so {@code Transfer-Encoding} is set again only when the body is
 * chunked, and a {@code Connection} header can never remove {@code Content-Length},
 * {@code Transfer-Encoding} or {@code Host}.
 */
final class ForwardedHeaders {
    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    static final AsciiString X_CANARY_POOL = AsciiString.cached("x-canary-pool");
    private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
    private static final AsciiString HTTP = AsciiString.cached("http");
    private static final AsciiString STABLE = AsciiString.cached(PoolRole.STABLE.label());
    private static final AsciiString CANARY = AsciiString.cached(PoolRole.CANARY.label());

    private static final List<AsciiString> HOP_BY_HOP = List.of(
            HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE, PROXY_CONNECTION, HttpHeaderNames.TE,
            HttpHeaderNames.TRAILER, HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE,
            HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.PROXY_AUTHORIZATION);

    private ForwardedHeaders() {
    }

    /**
     * Prepares a client request for the backend, in place: HTTP/1.1 with keep-alive, hop-by-hop
     * headers and {@code Expect} removed (the balancer answers {@code 100-continue} itself).
     */
    static void forBackend(HttpRequest request, String clientIp, Replica replica) {
        HttpHeaders headers = request.headers();
        boolean chunked = HttpUtil.isTransferEncodingChunked(request);
        removeHopByHop(headers);
        headers.remove(HttpHeaderNames.EXPECT);
        if (chunked) {
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        request.setProtocolVersion(HttpVersion.HTTP_1_1);

        if (clientIp != null) {
            String prior = headers.get(X_FORWARDED_FOR);
            headers.set(X_FORWARDED_FOR, prior == null || prior.isBlank() ? clientIp : prior + ", " + clientIp);
        }
        headers.set(X_FORWARDED_PROTO, HTTP);
        String host = headers.get(HttpHeaderNames.HOST);
        if (host != null) {
            headers.set(X_FORWARDED_HOST, host);
        } else {
            // An HTTP/1.0 client may omit Host; the HTTP/1.1 request it becomes needs one.
            headers.remove(X_FORWARDED_HOST);
            headers.set(HttpHeaderNames.HOST, replica.host() + ":" + replica.port());
        }
    }

    /**
     * Prepares a backend response for the client, in place, and says whether the client connection
     * may stay open afterwards.
     *
     * @param clientVersion   the version the client spoke
     * @param clientKeepAlive whether the client asked to keep the connection
     * @param method          the request's method (a HEAD response has no body whatever it declares)
     */
    static boolean forClient(HttpResponse response, PoolRole pool, HttpVersion clientVersion,
                             boolean clientKeepAlive, HttpMethod method) {
        HttpHeaders headers = response.headers();
        boolean chunked = HttpUtil.isTransferEncodingChunked(response);
        boolean delimited = chunked || headers.contains(HttpHeaderNames.CONTENT_LENGTH)
                || method.equals(HttpMethod.HEAD) || hasNoBody(response);
        removeHopByHop(headers);

        boolean keepOpen = clientKeepAlive;
        boolean http11 = clientVersion.equals(HttpVersion.HTTP_1_1);
        if (chunked || !delimited) {
            // A chunked or close-delimited body is re-chunked for an HTTP/1.1 client; an HTTP/1.0
            // client gets it delimited by the close of the connection.
            if (http11) {
                headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            } else {
                keepOpen = false;
            }
        }
        headers.set(X_CANARY_POOL, pool == PoolRole.CANARY ? CANARY : STABLE);
        if (!keepOpen) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (!http11) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        return keepOpen;
    }

    private static boolean hasNoBody(HttpResponse response) {
        int code = response.status().code();
        return response.status().codeClass() == HttpStatusClass.INFORMATIONAL || code == 204 || code == 304;
    }

    /** The client's IP address as {@code X-Forwarded-For} shows it, or {@code null} if not an IP socket. */
    static String clientIp(SocketAddress address) {
        return address instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress() : null;
    }

    private static void removeHopByHop(HttpHeaders headers) {
        if (headers.contains(HttpHeaderNames.CONNECTION)) {
            for (String connection : headers.getAll(HttpHeaderNames.CONNECTION)) {
                for (String token : connection.split(",")) {
                    String name = token.trim();
                    if (!name.isEmpty() && !isFraming(name)) {
                        headers.remove(name);
                    }
                }
            }
        }
        for (AsciiString name : HOP_BY_HOP) {
            headers.remove(name);
        }
    }

    private static boolean isFraming(String name) {
        return HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(name)
                || HttpHeaderNames.TRANSFER_ENCODING.contentEqualsIgnoreCase(name)
                || HttpHeaderNames.HOST.contentEqualsIgnoreCase(name);
    }
}
