package io.canarybalancer.balancer.proxy;

import io.canarybalancer.balancer.route.Pool;
import io.canarybalancer.balancer.route.Route;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.nio.charset.StandardCharsets;

/** The balancer's own answers: short JSON bodies a person can read. */
final class ErrorResponses {
    /** Why a request was refused when no replica it may use had room under {@code limits.backendConnections}. */
    static final String AT_CAPACITY = "the replicas tried for this request have their limit of connections in use"
            + " (limits.backendConnections)";

    private ErrorResponses() {
    }

    /**
     * The whole response, as bytes: HTTP/1.1, a JSON body with its length, {@code Connection: close}
     * when the connection closes after it. The answer to a {@code HEAD} request has no body.
     */
    static ByteBuf json(ByteBufAllocator alloc, HttpResponseStatus status, String json, boolean close, boolean head) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        ByteBuf out = alloc.buffer(96 + body.length);
        ByteBufUtil.writeAscii(out, "HTTP/1.1 ");
        ByteBufUtil.writeAscii(out, status.codeAsText());
        out.writeByte(' ');
        ByteBufUtil.writeAscii(out, status.reasonPhrase());
        ByteBufUtil.writeAscii(out, "\r\ncontent-type: application/json\r\ncontent-length: ");
        ByteBufUtil.writeAscii(out, Integer.toString(body.length));
        ByteBufUtil.writeAscii(out, close ? "\r\nconnection: close\r\n\r\n" : "\r\n\r\n");
        return head ? out : out.writeBytes(body);
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
