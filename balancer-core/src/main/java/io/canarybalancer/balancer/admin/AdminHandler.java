package io.canarybalancer.balancer.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.canarybalancer.balancer.config.spec.RouteSpec;
import io.canarybalancer.balancer.rollout.RolloutState;
import io.canarybalancer.balancer.rollout.RolloutStore.RolloutException;
import io.canarybalancer.balancer.route.Strategy;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.AttributeKey;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.UnaryOperator;

/**
 * The admin API. Reads ({@code /status}, {@code /metrics}, the dashboard) are answered on the event
 * loop from in-memory state; rollout changes may wait on Consul, so they run on a worker thread and
 * answer from there.
 *
 * <pre>
 * GET  /                           the dashboard page (no token needed: it holds no data)
 * GET  /status                     JSON: routes, pools, replicas, shares, counts, watch state
 * GET  /metrics                    Prometheus text format
 * PUT  /routes/{name}/rollout      {"strategy": "weight", "weight": 25, "paused": false}, any subset
 * POST /routes/{name}/promote      the canary takes all un-flagged traffic (weight 100)
 * POST /routes/{name}/rollback     the canary takes none (weight 0)
 * POST /routes/{name}/pause        the canary takes none until resumed; strategy and weight are kept
 * POST /routes/{name}/resume
 * </pre>
 *
 * Before anything else, {@link BrowserGuard} refuses (403) a request whose Host is not the listener,
 * and a change without the JSON content type (or the token) or from a foreign Origin.
 */
@ChannelHandler.Sharable
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);
    private static final Set<String> ROLLOUT_FIELDS = Set.of("strategy", "weight", "paused");
    private static final PrometheusTextFormatWriter PROMETHEUS = PrometheusTextFormatWriter.create();
    /** Whether the connection asked for its next request and has not had it yet. */
    private static final AttributeKey<Boolean> AWAITING_REQUEST =
            AttributeKey.valueOf(AdminHandler.class, "awaitingRequest");

    private final AdminContext context;
    private final Executor worker;
    private final BrowserGuard guard;
    private final byte[] dashboard;

    AdminHandler(AdminContext context, Executor worker, BrowserGuard guard) {
        this.context = context;
        this.worker = worker;
        this.guard = guard;
        this.dashboard = resource("/admin/dashboard.html");
    }

    /**
     * Connections do not read by themselves: one request is read, answered, and only then the next
     * ({@link #send}), so that answers to pipelined requests leave in request order even when a
     * change is answered from the worker thread.
     */
    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.fireChannelActive();
        readNext(ctx);
    }

    private static void readNext(ChannelHandlerContext ctx) {
        ctx.channel().attr(AWAITING_REQUEST).set(true);
        ctx.read();
    }

    /**
     * A read that brought no whole request (only its head, say) ends with a read-complete and no
     * request (FlowControlHandler's contract): ask again until the request is there.
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (Boolean.TRUE.equals(ctx.channel().attr(AWAITING_REQUEST).get())) {
            ctx.read();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        ctx.channel().attr(AWAITING_REQUEST).set(false);
        if (!request.decoderResult().isSuccess()) {
            respond(ctx, request, error(HttpResponseStatus.BAD_REQUEST, "malformed request"));
            return;
        }
        String refused = guard.refuseHost(request);
        if (refused != null) {
            respond(ctx, request, error(HttpResponseStatus.FORBIDDEN, refused));
            return;
        }
        String path = new QueryStringDecoder(request.uri()).path();
        HttpMethod method = request.method();
        if (path.equals("/") || path.equals("/dashboard")) {
            respond(ctx, request, method.equals(HttpMethod.GET)
                    ? bytes(HttpResponseStatus.OK, "text/html; charset=utf-8", dashboard)
                    : methodNotAllowed("GET"));
            return;
        }
        if (!authorized(request)) {
            FullHttpResponse denied = error(HttpResponseStatus.UNAUTHORIZED, "a bearer token is required");
            denied.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"canary-balancer\"");
            respond(ctx, request, denied);
            return;
        }
        refused = guard.refuseChange(request, context.token() != null);
        if (refused != null) {
            respond(ctx, request, error(HttpResponseStatus.FORBIDDEN, refused));
            return;
        }
        if (path.equals("/status")) {
            respond(ctx, request, method.equals(HttpMethod.GET)
                    ? json(HttpResponseStatus.OK, StatusView.status(context)) : methodNotAllowed("GET"));
        } else if (path.equals("/metrics")) {
            respond(ctx, request, method.equals(HttpMethod.GET) ? metrics() : methodNotAllowed("GET"));
        } else if (path.startsWith("/routes/")) {
            rollout(ctx, request, path.substring("/routes/".length()));
        } else {
            respond(ctx, request, error(HttpResponseStatus.NOT_FOUND, "no such admin endpoint: " + path));
        }
    }

    private void rollout(ChannelHandlerContext ctx, FullHttpRequest request, String rest) {
        int slash = rest.lastIndexOf('/');
        String name = slash < 0 ? rest : QueryStringDecoder.decodeComponent(rest.substring(0, slash));
        String action = slash < 0 ? "" : rest.substring(slash + 1);
        Optional<RouteSpec> route = context.rollouts().route(name);
        if (route.isEmpty()) {
            respond(ctx, request, error(HttpResponseStatus.BAD_REQUEST, "unknown route '" + name
                    + "' (routes: " + String.join(", ", context.rollouts().routeNames()) + ")"));
            return;
        }
        UnaryOperator<RolloutState> change;
        String allowed = action.equals("rollout") ? "PUT" : "POST";
        switch (action) {
            case "rollout" -> {
                try {
                    change = parseChange(request);
                } catch (IllegalArgumentException e) {
                    respond(ctx, request, error(HttpResponseStatus.BAD_REQUEST, e.getMessage()));
                    return;
                }
            }
            case "promote" -> change = RolloutState::promoted;
            case "rollback" -> change = RolloutState::rolledBack;
            case "pause" -> change = state -> state.withPaused(true);
            case "resume" -> change = state -> state.withPaused(false);
            default -> {
                respond(ctx, request, error(HttpResponseStatus.NOT_FOUND, "no such action: " + action
                        + " (rollout, promote, rollback, pause, resume)"));
                return;
            }
        }
        if (!request.method().name().equals(allowed)) {
            respond(ctx, request, methodNotAllowed(allowed));
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        worker.execute(() -> {
            FullHttpResponse response;
            try {
                RolloutState state = context.rollouts().change(route.get(), change);
                response = json(HttpResponseStatus.OK, stateJson(name, state));
            } catch (RolloutException e) {
                log.warn("Rollout change of {} failed: {}", name, e.getMessage());
                response = error(HttpResponseStatus.SERVICE_UNAVAILABLE, e.getMessage());
            } catch (RuntimeException e) {
                log.warn("Rollout change of {} failed", name, e);
                response = error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "the change failed: " + e.getMessage());
            }
            send(ctx, keepAlive, response);
        });
    }

    /** The body of {@code PUT /routes/{name}/rollout}, validated in full before anything changes. */
    static UnaryOperator<RolloutState> parseChange(FullHttpRequest request) {
        JsonNode body;
        try {
            body = StatusView.JSON.readTree(request.content().toString(StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the body is not JSON: " + e.getOriginalMessage());
        }
        if (body == null || !body.isObject() || body.isEmpty()) {
            throw new IllegalArgumentException("the body must be a JSON object with strategy, weight and/or paused");
        }
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            if (!ROLLOUT_FIELDS.contains(field)) {
                throw new IllegalArgumentException("unknown field '" + field + "' (expected strategy, weight, paused)");
            }
        }
        Strategy strategy = null;
        if (body.has("strategy")) {
            if (!body.get("strategy").isTextual()) {
                throw new IllegalArgumentException("strategy must be one of replicas, header, weight");
            }
            strategy = Strategy.parse(body.get("strategy").asText());
        }
        Integer weight = null;
        if (body.has("weight")) {
            JsonNode node = body.get("weight");
            if (!node.isIntegralNumber() || node.asLong() < 0 || node.asLong() > 100) {
                throw new IllegalArgumentException("weight must be a whole number from 0 to 100, got " + node);
            }
            weight = node.asInt();
        }
        Boolean paused = null;
        if (body.has("paused")) {
            if (!body.get("paused").isBoolean()) {
                throw new IllegalArgumentException("paused must be true or false");
            }
            paused = body.get("paused").asBoolean();
        }
        Strategy newStrategy = strategy;
        Integer newWeight = weight;
        Boolean newPaused = paused;
        return state -> new RolloutState(newStrategy == null ? state.strategy() : newStrategy,
                newWeight == null ? state.weight() : newWeight, newPaused == null ? state.paused() : newPaused);
    }

    private static ObjectNode stateJson(String route, RolloutState state) {
        return StatusView.JSON.createObjectNode()
                .put("route", route)
                .put("strategy", state.strategy().label())
                .put("weight", state.weight())
                .put("paused", state.paused());
    }

    private boolean authorized(FullHttpRequest request) {
        if (context.token() == null) {
            return true;
        }
        String header = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, context.token().getBytes(StandardCharsets.UTF_8));
    }

    private FullHttpResponse metrics() {
        ByteBuf buffer = Unpooled.buffer(16 * 1024);
        try (ByteBufOutputStream out = new ByteBufOutputStream(buffer)) {
            PROMETHEUS.write(out, context.registry().scrape());
        } catch (IOException e) {
            buffer.release();
            throw new UncheckedIOException(e);
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, buffer);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, PROMETHEUS.getContentType());
        return response;
    }

    private static FullHttpResponse json(HttpResponseStatus status, JsonNode body) {
        return bytes(status, "application/json", body.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static FullHttpResponse error(HttpResponseStatus status, String message) {
        return json(status, StatusView.JSON.createObjectNode().put("error", message));
    }

    private static FullHttpResponse methodNotAllowed(String allowed) {
        FullHttpResponse response = error(HttpResponseStatus.METHOD_NOT_ALLOWED, "use " + allowed);
        response.headers().set(HttpHeaderNames.ALLOW, allowed);
        return response;
    }

    private static FullHttpResponse bytes(HttpResponseStatus status, String type, byte[] body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, type)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        return response;
    }

    private static void respond(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response) {
        send(ctx, HttpUtil.isKeepAlive(request), response);
    }

    /** Writes the answer to the current request, then reads the next one (see {@link #channelActive}). */
    private static void send(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse response) {
        HttpUtil.setContentLength(response, response.content().readableBytes());
        HttpUtil.setKeepAlive(response, keepAlive);
        ctx.writeAndFlush(response).addListener((ChannelFutureListener) written -> {
            if (keepAlive && written.isSuccess()) {
                readNext(ctx);
            } else {
                ctx.close();
            }
        });
    }

    private static byte[] resource(String name) {
        try (InputStream in = AdminHandler.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("Admin connection {} failed", ctx.channel(), cause);
        ctx.close();
    }

}
