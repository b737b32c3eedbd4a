package io.canarybalancer.balancer.proxy;

import io.canarybalancer.balancer.metrics.TrafficStats;
import io.canarybalancer.balancer.proxy.pool.BackendConnector;
import io.canarybalancer.balancer.route.AllowedPools;
import io.canarybalancer.balancer.route.Fallback;
import io.canarybalancer.balancer.route.PoolRole;
import io.canarybalancer.balancer.route.Replica;
import io.canarybalancer.balancer.route.Route;
import io.canarybalancer.balancer.route.RoutingTableHolder;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The last handler of a client connection: routes each request and runs one {@link Exchange} at a
 * time. {@code AUTO_READ} is off; the client's body is read only while the current exchange can
 * take more (its backend is attached and writable), so a fast client cannot flood a slow backend.
 * Pipelined requests already decoded wait in a queue, in order.
 */
final class FrontendHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(FrontendHandler.class);
    private static final Set<HttpMethod> IDEMPOTENT = Set.of(HttpMethod.GET, HttpMethod.HEAD,
            HttpMethod.OPTIONS, HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.TRACE);

    private final ProxyContext context;
    private final RoutingTableHolder routes;
    private final ProxySettings settings;
    private final TrafficStats stats;
    private final NettyRouteRequest routeRequest = new NettyRouteRequest();
    /** Messages decoded while the current exchange cannot take them (pipelining), oldest first. */
    private final ArrayDeque<Object> queued = new ArrayDeque<>(4);
    private static final Replica[] NO_REPLICAS = new Replica[0];
    /** The order in which a retry or a skip looks at the pools: the first pick's own pool first. */
    private static final PoolRole[] STABLE_FIRST = {PoolRole.STABLE, PoolRole.CANARY};
    private static final PoolRole[] CANARY_FIRST = {PoolRole.CANARY, PoolRole.STABLE};

    private ChannelHandlerContext ctx;
    private ResponseDeadline responseDeadline;
    private BackendConnector connector;
    private String clientIp;
    private Exchange exchange;
    private boolean closing;
    private boolean draining;
    /** The client shut its sending side (half-close): answer what it asked, then close. */
    private boolean inputClosed;
    /** Between a channelRead and its channelReadComplete, which flushes whatever the batch wrote. */
    private boolean inReadBatch;
    /** Whether the current read batch decoded anything; a batch that did not holds part of a request head. */
    private boolean decodedInBatch;
    /** Runs from the first bytes of a request head to its end: a client trickling headers is cut off. */
    private ScheduledFuture<?> headTimer;

    FrontendHandler(ProxyContext context) {
        this.context = context;
        this.routes = context.routes();
        this.settings = context.settings();
        this.stats = context.stats();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.responseDeadline = new ResponseDeadline(ctx.executor());
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        connector = context.connectors().apply(ctx.channel().eventLoop());
        clientIp = ForwardedHeaders.clientIp(ctx.channel().remoteAddress());
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        inReadBatch = true;
        decodedInBatch = true;
        if (closing) {
            ReferenceCountUtil.release(msg);
        } else if (!queued.isEmpty() || !canDispatch()) {
            queued.add(msg); // owned by the queue until dispatched or the connection closes
        } else {
            dispatch(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        inReadBatch = false;
        if (!decodedInBatch && exchange == null && !closing && headTimer == null) {
            headTimer = ctx.executor().schedule(this::headTimedOut, settings.requestHeadTimeout().toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        decodedInBatch = false;
        if (exchange != null) {
            exchange.flushRequest();
        }
        readIfReady();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (exchange != null && ctx.channel().isWritable()) {
            exchange.onClientWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        responseDeadline.close();
        cancelHeadTimer();
        if (exchange != null) {
            exchange.abort();
            exchange = null;
        }
        releaseQueued();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("Client connection {} failed", ctx.channel(), cause);
        ctx.close();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            if (exchange == null && queued.isEmpty()) {
                ctx.close(); // an idle keep-alive connection past its timeout
            }
        } else if (evt instanceof ChannelInputShutdownEvent) {
            inputClosed = true;
            draining = true; // the exchange in flight is the connection's last
            if (exchange == null && queued.isEmpty()) {
                closing = true;
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        } else if (evt == Drain.INSTANCE) {
            draining = true;
            if (exchange == null) {
                closing = true; // idle between requests: nothing to finish; anything queued is dropped
                releaseQueued();
                // after what is still queued for the client (the end of the last answer) is written
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    private boolean canDispatch() {
        return exchange == null || exchange.readyForRequestContent();
    }

    private void dispatch(Object msg) {
        if (msg instanceof HttpRequest request) {
            begin(request);
        } else if (msg instanceof HttpContent content) {
            if (exchange != null) {
                exchange.requestContent(content); // hand-off
            } else {
                content.release(); // the body of a request answered locally
            }
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void begin(HttpRequest request) {
        cancelHeadTimer();
        DecoderResult result = request.decoderResult();
        if (result.isFailure()) {
            ReferenceCountUtil.release(request); // Netty's stand-in for the broken head may hold a buffer
            respond(rejectionStatus(result.cause()),
                    ErrorResponses.message("malformed request: " + result.cause().getMessage()), true);
            return;
        }
        if (request.method().equals(HttpMethod.CONNECT)) {
            respond(HttpResponseStatus.METHOD_NOT_ALLOWED, ErrorResponses.message("CONNECT is not supported"), true);
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        boolean bodyless = bodyless(request);
        String expect = request.headers().get(HttpHeaderNames.EXPECT);
        boolean expectContinue = expect != null && HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expect.trim());
        if (expect != null && !expectContinue) {
            respond(HttpResponseStatus.EXPECTATION_FAILED,
                    ErrorResponses.message("only 'Expect: 100-continue' is supported"), true);
            return;
        }

        if (!OriginForm.apply(request)) {
            respond(HttpResponseStatus.BAD_REQUEST, ErrorResponses.message("the path climbs above the root"), true);
            return;
        }
        Route route = routes.get().find(request.uri());
        if (route == null) {
            stats.unrouted();
            respond(HttpResponseStatus.NOT_FOUND, ErrorResponses.message("no route for this path"),
                    !keepAlive || !bodyless);
            return;
        }
        routeRequest.wrap(request);
        String newCookie = StickyCookie.assign(route.policy().sticky(), routeRequest);
        boolean flagged = route.policy().header().matches(routeRequest);
        AllowedPools allowed = route.allowedPools(routeRequest, flagged);
        Replica replica = pick(route, allowed, flagged, NO_REPLICAS, 0);
        if (replica == null) {
            boolean rejectedFlag = route.policy().fallback() == Fallback.REJECT && flagged;
            String error = route.waiting() != null ? route.waiting() // pools not known yet: say why
                    : !rejectedFlag ? "no healthy replica"
                    : route.policy().canaryHalted() ? "the canary was rolled back automatically, and fallback is reject"
                    : "no healthy canary replica, and fallback is reject";
            stats.refused(route, flagged, HttpResponseStatus.SERVICE_UNAVAILABLE.code(), request.method().name(),
                    request.uri());
            respond(HttpResponseStatus.SERVICE_UNAVAILABLE, ErrorResponses.noReplica(route, error),
                    !keepAlive || !bodyless);
            return;
        }
        context.retries().requested(System.nanoTime());
        exchange = new Exchange(this, context, ctx, connector, request, route, allowed, replica, flagged,
                keepAlive, expectContinue, bodyless && IDEMPOTENT.contains(request.method()));
        if (newCookie != null) {
            exchange.setCookieOnResponse(newCookie);
        }
        exchange.start(clientIp);
    }

    private void headTimedOut() {
        headTimer = null;
        if (!closing && exchange == null) {
            respond(HttpResponseStatus.REQUEST_TIMEOUT, ErrorResponses.message("the request head took longer than "
                    + settings.requestHeadTimeout().toMillis() + " ms to arrive"), true);
        }
    }

    private void cancelHeadTimer() {
        if (headTimer != null) {
            headTimer.cancel(false);
            headTimer = null;
        }
    }

    /**
     * The replica for the current request: the route's choice, unless that one is ejected (see
     * {@link PassiveHealth}) or among the {@code count} first of {@code tried}; then the next of the
     * same pool's rotation, so the split between the pools is not drawn again (which would shift
     * it), and only when that pool has nobody else, the other pool's, if {@code allowed} (the
     * route's answer for this request, {@code flagged} or not) lets it go there. When only ejected
     * replicas are left, one of them anyway: it may have recovered, and an answer beats a refusal.
     * {@code null} when the allowed pools have nothing to offer.
     */
    Replica pick(Route route, AllowedPools allowed, boolean flagged, Replica[] tried, int count) {
        if (count > 0) {
            // A retry goes by the table of now: the canary may have been halted or rolled back since
            // the first try, which narrows where the request may go; it never widens it.
            Route current = routes.get().route(route.name());
            if (current != null) {
                route = current;
                allowed = allowed.and(current.allowedPools(routeRequest, flagged));
            }
        }
        Replica first = count == 0 ? route.select(routeRequest, flagged) : tried[0];
        if (first == null) {
            return null;
        }
        if (count == 0 && !context.health().isEjected(first)) {
            return first;
        }
        Replica ejected = count == 0 ? first : null;
        for (PoolRole role : first.role() == PoolRole.STABLE ? STABLE_FIRST : CANARY_FIRST) {
            if (!allowed.allows(role)) {
                continue;
            }
            int size = route.pool(role).replicas().size();
            for (int i = 0; i < size; i++) {
                Replica candidate = route.selectIn(role);
                if (candidate == null) {
                    break; // a halted canary
                }
                if (contains(tried, count, candidate)) {
                    continue;
                }
                if (!context.health().isEjected(candidate)) {
                    return candidate;
                }
                if (ejected == null) {
                    ejected = candidate;
                }
            }
            if (ejected != null) {
                return ejected;
            }
        }
        return null;
    }


    private static boolean contains(Replica[] replicas, int count, Replica replica) {
        for (int i = 0; i < count; i++) {
            if (replicas[i].address().equals(replica.address())) {
                return true;
            }
        }
        return false;
    }

    /** The response timeout shared by this connection's exchanges. */
    ResponseDeadline responseDeadline() {
        return responseDeadline;
    }

    /** Whether the balancer is shutting down: the current exchange is the connection's last. */
    boolean draining() {
        return draining;
    }

    /** Whether the request declares no body. */
    boolean bodyless(HttpRequest request) {
        return !HttpUtil.isTransferEncodingChunked(request) && HttpUtil.getContentLength(request, 0L) == 0;
    }

    private static HttpResponseStatus rejectionStatus(Throwable cause) {
        if (cause instanceof InvalidRequestException invalid) {
            return invalid.status(); // refused by StrictServerCodec: 400, 431 or 505
        }
        if (cause instanceof TooLongHttpLineException) {
            return HttpResponseStatus.REQUEST_URI_TOO_LONG;
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
        }
        if (cause instanceof TooLongFrameException) {
            return HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE;
        }
        return HttpResponseStatus.BAD_REQUEST;
    }

    private void respond(HttpResponseStatus status, String json, boolean close) {
        ChannelFuture future = ctx.writeAndFlush(ErrorResponses.json(ctx.alloc(), status, json, close));
        if (close) {
            closing = true;
            releaseQueued();
            future.addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** The exchange can take request content now (a backend is attached, or the body is discarded). */
    void resume() {
        drainQueue();
        if (exchange != null && !inReadBatch) {
            exchange.flushRequest(); // within a read batch, channelReadComplete flushes once for all
        }
        readIfReady();
    }

    void exchangeFinished(Exchange finished, boolean keepOpen) {
        if (exchange != finished) {
            return;
        }
        exchange = null;
        if (!keepOpen || draining) {
            closing = true;
            releaseQueued();
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        drainQueue();
        if (exchange != null) {
            exchange.flushRequest();
        }
        readIfReady();
    }

    void exchangeAborted(Exchange aborted) {
        if (exchange == aborted) {
            exchange = null;
            closing = true;
            releaseQueued();
            ctx.close();
        }
    }

    /**
     * Reads from the client when what comes next can be taken now: the next request, or body parts
     * the backend connection can absorb. Once the request is complete the client is read on as
     * well: that keeps the read armed across requests (no re-arming per request) and notices a
     * client that leaves; a pipelined request it brings is queued, and a non-empty queue stops
     * reading, so at most one read's worth waits.
     */
    void readIfReady() {
        if (closing || inputClosed || !queued.isEmpty()) {
            return;
        }
        if (exchange == null || exchange.acceptsRequestContent() || exchange.requestComplete()) {
            ctx.read();
        }
    }

    private void drainQueue() {
        while (!closing && !queued.isEmpty() && canDispatch()) {
            dispatch(queued.poll());
        }
    }

    private void releaseQueued() {
        Object msg;
        while ((msg = queued.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }
}
