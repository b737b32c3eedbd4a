package io.canarybalancer.balancer.proxy;

import io.canarybalancer.balancer.route.Pool;
import io.canarybalancer.balancer.route.Route;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/** The balancer's own answers: short JSON bodies a person can read. */
final class ErrorResponses {

    private ErrorResponses() {
    }

    static FullHttpResponse json(ByteBufAllocator alloc, HttpResponseStatus status, String json, boolean close) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                ByteBufUtil.writeUtf8(alloc, json));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }

    /** {@code {"error": "..."}}. */
    static String message(String error) {
        return "{\"error\":" + quote(error) + "}";
    }

    /** {@code {"error": ..., "route": ..., "stable": {...}, "canary": {...}}}, naming what is missing. */
    static String noReplica(Route route, String error) {
        return "{\"error\":" + quote(error)
                + ",\"route\":" + quote(route.name())
                + ",\"stable\":" + pool(route.stable())
                + ",\"canary\":" + pool(route.canary()) + "}";
    }

    /** {@code {"error": ..., "route": ..., "replica": ...}}. */
    static String backendFailure(String error, Route route, String replica) {
        return "{\"error\":" + quote(error) + ",\"route\":" + quote(route.name())
                + ",\"replica\":" + quote(replica) + "}";
    }

    private static String pool(Pool pool) {
        return "{\"service\":" + quote(pool.service())
                + ",\"tag\":" + (pool.tag() == null ? "null" : quote(pool.tag()))
                + ",\"replicas\":" + pool.replicas().size() + "}";
    }

    static String quote(String text) {
        StringBuilder out = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
