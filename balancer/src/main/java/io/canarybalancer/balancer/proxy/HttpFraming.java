package io.canarybalancer.balancer.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.List;

/**
 * The one framing of a message body the balancer relays: either no body headers, a single plain
 * {@code Content-Length}, or {@code Transfer-Encoding: chunked} alone. Anything else is how request
 * smuggling starts (two hops disagreeing on where a body ends), so it is refused, not repaired:
 * a request gets 400, a backend response 502.
 *
 * <p>Netty's decoder already refuses {@code Content-Length} together with {@code Transfer-Encoding},
 * repeated or listed lengths and codings that do not end in {@code chunked}; this adds what it
 * lets through: other codings before {@code chunked} ({@code gzip, chunked}), any coding on a
 * response, and lengths with leading zeros. The checks are repeated here so the rule reads in one
 * place.
 */
final class HttpFraming {
    /** 18 digits always fit in a long. */
    private static final int MAX_LENGTH_DIGITS = 18;

    private HttpFraming() {
    }

    /** What is wrong with the body framing these headers declare, or {@code null} if nothing. */
    static String problem(HttpHeaders headers) {
        List<String> codings = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        List<String> lengths = headers.getAll(HttpHeaderNames.CONTENT_LENGTH);
        if (!codings.isEmpty() && !lengths.isEmpty()) {
            return "both Content-Length and Transfer-Encoding";
        }
        if (codings.size() > 1 || codings.size() == 1
                && !HttpHeaderValues.CHUNKED.contentEqualsIgnoreCase(codings.get(0).trim())) {
            return "Transfer-Encoding must be exactly 'chunked', got " + codings;
        }
        if (lengths.size() > 1) {
            return "more than one Content-Length: " + lengths;
        }
        if (lengths.size() == 1 && !plainLength(lengths.get(0).trim())) {
            return "Content-Length must be digits without leading zeros, got '" + lengths.get(0) + "'";
        }
        return null;
    }

    /**
     * {@code 0} or digits not starting with {@code 0}. Leading zeros are valid HTTP, but no client
     * needs them and some parsers read them as octal, so they are refused.
     */
    private static boolean plainLength(String value) {
        int length = value.length();
        if (length == 0 || length > MAX_LENGTH_DIGITS || length > 1 && value.charAt(0) == '0') {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
