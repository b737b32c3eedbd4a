package io.canarybalancer.balancer.proxy;

import io.canarybalancer.balancer.metrics.TrafficStats;
import io.canarybalancer.balancer.mirror.RouteMirror;
import io.canarybalancer.balancer.proxy.http1.ResponseHead;
import io.canarybalancer.balancer.proxy.http2.Http2Request;
import io.canarybalancer.balancer.proxy.pool.BackendConnector;
import io.canarybalancer.balancer.route.AllowedPools;
import io.canarybalancer.balancer.route.Fallback;
import io.canarybalancer.balancer.route.PoolRole;
import io.canarybalancer.balancer.route.Replica;
import io.canarybalancer.balancer.route.ReplicaPicker;
import io.canarybalancer.balancer.route.Route;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP/2 request stream of a client and its answer: the handler of the stream's child channel.
 * The request goes through the same routing, stickiness, retries, passive health, metrics and
 * canary analysis as an HTTP/1.1 {@link Exchange}; the backend side is a {@link StreamBackend},
 * HTTP/1.1 or HTTP/2 as the route says.
 *
 * <p>Flow control end to end: the stream channel and the backend are read only while the other side
 * can take more, so a slow reader slows its own stream's backend, not the connection; the HTTP/2
 * window of a stream is only opened again as its frames are read.
 *
 * <p>gRPC: an answer's {@code grpc-status} (in its trailers, or in its headers for a trailers-only
 * answer) that the route's {@code grpcFailureCodes} lists counts as a failed answer for canary
 * analysis, although its HTTP status is 200.
 *
 * <p>Thread confinement: a stream channel shares its connection's event loop, and so does every
 * backend connection opened for it.
 */
final class StreamExchange extends ChannelInboundHandlerAdapter {
    private static final int MAX_ATTEMPTS = 3;
    private static final HttpResponseStatus CLIENT_GONE = new HttpResponseStatus(499, "Client Closed Request");
    private static final Replica[] NO_REPLICAS = new Replica[0];
    private static final AsciiString X_CANARY_POOL = AsciiString.cached("x-canary-pool");
    private static final AsciiString SET_COOKIE = AsciiString.cached("set-cookie");
    private static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
    private static final AsciiString CONTENT_TYPE = AsciiString.cached("content-type");
    private static final AsciiString CONTENT_LENGTH = AsciiString.cached("content-length");
    private static final AsciiString JSON = AsciiString.cached("application/json");
    private static final AsciiString STABLE = AsciiString.cached("stable");
    private static final AsciiString CANARY = AsciiString.cached("canary");

    private final ProxyContext context;
    private final TrafficStats stats;
    private final ProxySettings settings;
    private final BackendConnector connector;
    private final String clientIp;
    private final boolean overTls;
    private ChannelHandlerContext client;

    private Http2Request request;
    private long startNanos;
    private Route route;
    private AllowedPools allowed;
    private boolean flagged;
    private final Replica[] tried = new Replica[MAX_ATTEMPTS];
    private int attempts;
    private Replica replica;
    private String setCookie;
    private StreamBackend backend;
    /** The backend side can take the request: request parts read before then wait here. */
    private boolean attached;
    private final ArrayDeque<Object> early = new ArrayDeque<>();
    /** Whether the request's head went to a backend: from then on only a bodiless request may be sent again. */
    private boolean sent;
    /** Whether part of the body went to a backend: it is not kept, so the request can never go again. */
    private boolean bodyForwarded;
    /** The request as read from the client: its body coming, or all taken (or refused). */
    private RequestState requestState = RequestState.READING;
    /** The answer as the client gets it: not started, streaming, or complete. */
    private ResponseState responseState = ResponseState.NOT_STARTED;
    /** The exchange ended (answered, failed, or left by the client): nothing more is sent for it. */
    private boolean finished;
    private int status;
    private int grpcStatus = -1;
    private ScheduledFuture<?> responseTimer;
    /** Checks, while a body streams either way, that it keeps moving (see {@link #checkProgress()}). */
    private ScheduledFuture<?> stallTimer;
    private int parts;
    private int partsAtLastCheck;
    /** The request's copy for the canary and the capture of stable's answer to it, or {@code null}. */
    private MirrorCall mirror;

    StreamExchange(ProxyContext context, BackendConnector connector, String clientIp, boolean overTls) {
        this.context = context;
        this.stats = context.stats();
        this.settings = context.settings();
        this.connector = connector;
        this.clientIp = clientIp;
        this.overTls = overTls;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.client = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (finished && request != null) {
            ReferenceCountUtil.release(msg); // the rest of a body nobody waits for
            return;
        }
        if (msg instanceof Http2HeadersFrame headers) {
            if (request == null) {
                begin(headers.headers(), headers.isEndStream());
            } else {
                requestPart(headers);
            }
        } else if (msg instanceof Http2DataFrame data) {
            requestPart(data);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void requestPart(Object part) {
        if (!attached) {
            early.add(part);
            return;
        }
        parts++;
        bodyForwarded = true;
        if (part instanceof Http2DataFrame data) {
            boolean last = data.isEndStream();
            if (mirror != null) {
                ByteBuf content = data.content();
                mirror.requestBody(content, content.readerIndex(), content.writerIndex());
                if (last) {
                    mirror.requestEnd();
                }
            }
            // The frame's flow-controlled bytes count as consumed once read here, so the window
            // opens again at the pace the backend takes the body.
            backend.requestData(data.content(), last);
            if (last) {
                requestEnded();
            }
        } else if (part instanceof Http2HeadersFrame trailers) {
            if (mirror != null) {
                mirror.requestEnd(); // the copy goes without the trailers
            }
            backend.requestTrailers(trailers.headers());
            requestEnded();
        }
    }

    private void requestEnded() {
        requestState = requestState.to(RequestState.DONE);
        backend.flush();
        if (responseState == ResponseState.NOT_STARTED) {
            cancelStallTimer(); // the body is in: from now on the response timeout watches
            armResponseTimer();
        }
        maybeFinish();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (backend != null && attached) {
            backend.flush();
        }
        readClientIfReady();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            readBackendIfClientWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2ResetFrame) {
            clientGone(); // the client cancelled the stream
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        clientGone();
        releaseEarly();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        clientGone();
        ctx.close();
    }

    private void begin(Http2Headers headers, boolean endStream) {
        startNanos = System.nanoTime();
        request = Http2Request.read(headers, endStream);
        if (endStream) {
            requestState = requestState.to(RequestState.DONE);
        }
        if (request.problem() != null) {
            respond(HttpResponseStatus.BAD_REQUEST, ErrorResponses.message("malformed request: " + request.problem()));
            return;
        }
        if (request.isConnect()) {
            respond(HttpResponseStatus.METHOD_NOT_ALLOWED, ErrorResponses.message("CONNECT is not supported"));
            return;
        }
        route = context.routes().get().find(request.target());
        if (route == null) {
            stats.unrouted();
            respond(HttpResponseStatus.NOT_FOUND, ErrorResponses.message("no route for this path"));
            return;
        }
        setCookie = StickyCookie.assign(route.policy().sticky(), request);
        flagged = route.policy().header().matches(request);
        allowed = route.allowedPools(request, flagged);
        replica = ReplicaPicker.pick(context.routes(), context.avoided(), route, allowed, request, flagged,
                NO_REPLICAS, 0);
        if (replica == null) {
            boolean rejectedFlag = route.policy().fallback() == Fallback.REJECT && flagged;
            String error = route.waiting() != null ? route.waiting()
                    : !rejectedFlag ? "no healthy replica"
                    : route.policy().canaryHalted() ? "the canary was rolled back automatically, and fallback is reject"
                    : "no healthy canary replica, and fallback is reject";
            stats.refused(route, flagged, HttpResponseStatus.SERVICE_UNAVAILABLE.code(), request.method(),
                    request.target());
            respond(HttpResponseStatus.SERVICE_UNAVAILABLE, ErrorResponses.noReplica(route, error));
            return;
        }
        tried[attempts++] = replica;
        context.retries().requested(startNanos);
        mirror(headers);
        attempt();
    }

    /**
     * Copies the request to a canary replica when the route's mirror takes it: only requests stable
     * serves, on routes whose replicas speak HTTP/1.1 (the copy goes as HTTP/1.1, like the request).
     */
    private void mirror(Http2Headers headers) {
        RouteMirror routeMirror = replica.role() == PoolRole.STABLE && !route.upstream().protocol().http2()
                ? context.mirrors().forRoute(route.name()) : null;
        if (routeMirror == null) {
            return;
        }
        long bodyLength = request.bodyless() ? 0 : request.contentLength();
        mirror = MirrorCall.of(context, client, routeMirror, route, request.method(), request.target(), bodyLength);
        if (mirror != null) {
            boolean chunkBody = bodyLength < 0;
            mirror.prepare((out, host, port) -> request.writeHttp1(out, chunkBody, clientIp, overTls, host, port),
                    512 + headers.size() * 64, request.bodyless(), chunkBody);
        }
    }

    private void attempt() {
        attached = false;
        // From now until the answer starts, bounded: the wait for a connection or a stream counts
        // too. While a body streams, the stall timeout watches instead (see attached()).
        armResponseTimer();
        backend = route.upstream().protocol().http2()
                ? new Http2StreamBackend(this, connector.http2(), route, replica, request, clientIp, overTls)
                : new Http1StreamBackend(this, connector, route, replica, request, clientIp, overTls);
        backend.start();
    }

    // ---- called by the backend side ----

    /** Stable's HTTP/1.1 answer head, for the mirror's comparison (its body comes de-chunked). */
    void stableHead(ResponseHead head) {
        if (mirror != null) {
            mirror.stableHead(head, false);
        }
    }

    void stableBody(ByteBuf in, int from, int to) {
        if (mirror != null) {
            mirror.stableBody(in, from, to);
        }
    }

    /** The backend took the request's head: body parts read so far follow it, and the client is read on. */
    void attached() {
        attached = true;
        sent = true;
        if (requestState != RequestState.DONE) {
            cancelResponseTimer(); // armed again when the body is in
        }
        while (!early.isEmpty() && !finished) {
            requestPart(early.poll());
        }
        backend.flush();
        if (requestState != RequestState.DONE) {
            watchProgress();
        }
        readClientIfReady();
    }

    /** The backend can take more of the request body. */
    void backendWritable() {
        readClientIfReady();
    }

    void responseHeaders(Http2Headers headers, boolean endStream) {
        if (finished) {
            return;
        }
        responseState = responseState.to(ResponseState.STREAMING);
        cancelResponseTimer();
        context.health().succeeded(replica);
        status = statusOf(headers);
        headers.remove(X_CANARY_POOL);
        headers.set(X_CANARY_POOL, replica.role() == PoolRole.CANARY ? CANARY : STABLE);
        if (setCookie != null) {
            headers.add(SET_COOKIE, setCookie);
        }
        if (endStream) {
            noteGrpcStatus(headers); // a trailers-only answer
        }
        client.write(new DefaultHttp2HeadersFrame(headers, endStream));
        if (endStream) {
            responseEnded();
        } else {
            watchProgress(); // an answer that streams: it must keep moving too
        }
    }

    void responseData(ByteBuf data, boolean endStream) {
        if (finished) {
            data.release();
            return;
        }
        parts++;
        client.write(new DefaultHttp2DataFrame(data, endStream));
        if (endStream) {
            responseEnded();
        }
    }

    void responseTrailers(Http2Headers trailers) {
        if (finished) {
            return;
        }
        noteGrpcStatus(trailers);
        client.write(new DefaultHttp2HeadersFrame(trailers, true));
        responseEnded();
    }

    void backendReadComplete() {
        client.flush();
        readBackendIfClientWritable();
    }

    /**
     * Reads the backend on while the client takes what comes: before the answer's head too, which
     * may take more than one read, or follow an interim answer the backend side skips.
     */
    private void readBackendIfClientWritable() {
        if (backend != null && attached && responseState != ResponseState.COMPLETE && client.channel().isWritable()) {
            backend.read();
        }
    }

    private void responseEnded() {
        responseState = responseState.to(ResponseState.COMPLETE);
        client.flush();
        if (requestState != RequestState.DONE) {
            // The answer is complete before the request: the rest of the body is not wanted
            // (RFC 9113 section 8.1: a reset with NO_ERROR after a complete answer).
            requestState = requestState.to(RequestState.DONE);
            client.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR));
            complete(false);
            return;
        }
        maybeFinish();
    }

    private void maybeFinish() {
        if (!finished && requestState == RequestState.DONE && responseState == ResponseState.COMPLETE) {
            complete(true);
        }
    }

    private void complete(boolean clean) {
        end();
        record();
        if (clean) {
            backend.finish();
        } else {
            backend.abort();
        }
    }

    /**
     * The attempt failed before an answer started: passive health hears of it, and the request goes
     * to another replica when that is safe (nothing was sent, or it is bodiless and idempotent),
     * the retry budget allows and the attempts are not used up. Otherwise the client gets {@code status}.
     *
     * @param replicaAtFault {@code false} for the keep-alive race of a pooled connection
     */
    void unwell(HttpResponseStatus failure, String reason, boolean replicaAtFault) {
        if (finished || responseState != ResponseState.NOT_STARTED) {
            return;
        }
        if (replicaAtFault) {
            context.health().failed(replica, reason);
        }
        backend.abort();
        cancelResponseTimer();
        if ((!sent || request.replayable()) && attempts < MAX_ATTEMPTS) {
            Replica next = ReplicaPicker.pick(context.routes(), context.avoided(), route, allowed, request, flagged,
                    tried, attempts);
            if (next != null && context.retries().tryRetry(System.nanoTime())) {
                if (replicaAtFault) {
                    stats.attemptFailed(route, replica, failure.code(), System.nanoTime() - startNanos);
                }
                stats.retried(route);
                replica = next;
                tried[attempts++] = next;
                sent = false;
                attempt();
                return;
            }
        }
        respond(failure, ErrorResponses.backendFailure(reason, route, replica.id()));
    }

    /**
     * The replica has no room under {@code limits.backendConnections}: the pick passes over full
     * replicas, but another event loop may have taken the last place since. The request goes to
     * another replica it may use with room, as if this one had been tried (nothing was sent, so
     * this is no retry); when there is none, it is answered 503 at once, counted as refused, and
     * neither passive health nor canary analysis hears of it.
     */
    void atCapacity() {
        if (finished || responseState != ResponseState.NOT_STARTED) {
            return;
        }
        backend.abort();
        if (attempts < MAX_ATTEMPTS) {
            Replica next = ReplicaPicker.pick(context.routes(), context.avoided(), route, allowed, request, flagged,
                    tried, attempts);
            if (next != null) {
                replica = next;
                tried[attempts++] = next;
                attempt();
                return;
            }
        }
        stats.refused(route, flagged, HttpResponseStatus.SERVICE_UNAVAILABLE.code(), request.method(),
                request.target());
        replica = null; // no replica answered: nothing is recorded for one, nothing pairs with a mirrored copy
        respond(HttpResponseStatus.SERVICE_UNAVAILABLE, ErrorResponses.noReplica(route, ErrorResponses.AT_CAPACITY));
    }

    /**
     * The replica did not process the request (a stream it refused, or left out of its GOAWAY;
     * RFC 9113 section 8.7): it may go to another replica whatever its method, and the replica is
     * not blamed: it is shedding load or restarting.
     */
    void notProcessed(String reason) {
        if (finished || responseState != ResponseState.NOT_STARTED) {
            return;
        }
        if (!bodyForwarded) {
            sent = false; // the head alone went, and was not processed; a body sent on is gone
        }
        unwell(HttpResponseStatus.BAD_GATEWAY, reason, false);
    }

    /**
     * The backend failed after its answer started: the stream is reset with {@code code}, the only
     * signal left, and the answer counts as a 502.
     */
    void backendFailed(Http2Error code) {
        if (finished) {
            return;
        }
        if (responseState == ResponseState.NOT_STARTED) {
            unwell(HttpResponseStatus.BAD_GATEWAY, "backend reset the stream before answering", true);
            return;
        }
        status = HttpResponseStatus.BAD_GATEWAY.code();
        end();
        record();
        backend.abort();
        client.writeAndFlush(new DefaultHttp2ResetFrame(code));
    }

    /** The client reset the stream or its connection closed: drop the backend side. */
    private void clientGone() {
        if (finished || request == null || route == null) {
            return;
        }
        end();
        if (backend != null) {
            backend.abort();
        }
        if (responseState != ResponseState.NOT_STARTED) {
            // Counted with what the answer turned out to be: cut short by the client, not the replica.
            if (responseState != ResponseState.COMPLETE) {
                status = CLIENT_GONE.code();
            }
            record();
        } // a client that left before any answer is not counted, as for HTTP/1.1
    }

    // ---- the client side ----

    private void readClientIfReady() {
        if (finished || requestState == RequestState.DONE) {
            return;
        }
        if (!attached || backend.writable()) {
            if (attached || early.isEmpty()) {
                client.read();
            }
        }
    }

    /** The balancer's own answer: a JSON body; the stream ends with it. */
    private void respond(HttpResponseStatus answer, String json) {
        if (finished) {
            return;
        }
        status = answer.code();
        cancelResponseTimer();
        boolean routed = route != null && replica != null;
        boolean wasDone = requestState == RequestState.DONE;
        if (!wasDone) {
            requestState = requestState.to(RequestState.DONE);
        }
        responseState = responseState.to(ResponseState.COMPLETE);
        end();
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        Http2Headers headers = new DefaultHttp2Headers().status(answer.codeAsText())
                .set(CONTENT_TYPE, JSON)
                .setInt(CONTENT_LENGTH, body.length);
        boolean head = request != null && request.isHead();
        client.write(new DefaultHttp2HeadersFrame(headers, head));
        if (!head) {
            client.write(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(body), true));
        }
        if (!wasDone) {
            client.write(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR)); // the body is not wanted
        }
        client.flush();
        if (routed) {
            record();
        }
    }

    private void armResponseTimer() {
        if (responseTimer == null && !finished) {
            responseTimer = client.executor().schedule(this::onResponseTimeout,
                    settings.responseTimeout().toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void onResponseTimeout() {
        responseTimer = null;
        if (!finished && responseState == ResponseState.NOT_STARTED) {
            unwell(HttpResponseStatus.GATEWAY_TIMEOUT, "backend did not answer in time", true);
        }
    }

    private void cancelResponseTimer() {
        if (responseTimer != null) {
            responseTimer.cancel(false);
            responseTimer = null;
        }
    }

    private void watchProgress() {
        if (stallTimer == null && !finished) {
            long period = settings.stallTimeout().toNanos();
            stallTimer = client.executor().scheduleAtFixedRate(this::checkProgress, period, period,
                    TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Runs every {@code timeouts.stall} while a body streams either way. If no frame moved since the
     * last run, the stream is stuck: the client stopped sending its body (408), the backend stopped
     * taking it (504); once the answer is under way, the backend stopped sending (the stream is reset
     * and the answer counts as a 504) or the client stopped reading (reset, counted as 499: the
     * client's doing, not the replica's). Either way the backend's side is closed.
     */
    private void checkProgress() {
        if (finished || requestState == RequestState.DONE && responseState == ResponseState.COMPLETE) {
            cancelStallTimer();
            return;
        }
        if (parts != partsAtLastCheck) {
            partsAtLastCheck = parts;
            return;
        }
        cancelStallTimer();
        String reason = "no progress for more than " + settings.stallTimeout().toMillis() + " ms";
        if (responseState != ResponseState.NOT_STARTED) {
            status = client.channel().isWritable() ? HttpResponseStatus.GATEWAY_TIMEOUT.code() : CLIENT_GONE.code();
            end();
            record();
            backend.abort();
            client.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.CANCEL));
        } else if (!attached || backend.writable()) {
            respond(HttpResponseStatus.REQUEST_TIMEOUT, ErrorResponses.message("the request body stalled: " + reason));
            backend.abort();
        } else {
            backend.abort();
            respond(HttpResponseStatus.GATEWAY_TIMEOUT, ErrorResponses.backendFailure(
                    "backend stopped reading the request: " + reason, route, replica.id()));
        }
    }

    private void cancelStallTimer() {
        if (stallTimer != null) {
            stallTimer.cancel(false);
            stallTimer = null;
        }
    }

    private void end() {
        finished = true;
        if (mirror != null) {
            // Only an answer stable sent in full (not one cut short, or the client's 499) pairs with the copy's.
            mirror.stableEnded(responseState == ResponseState.COMPLETE && status != CLIENT_GONE.code()
                    && replica != null && replica.role() == PoolRole.STABLE, replica == null ? null : replica.id());
            mirror = null;
        }
        cancelStallTimer();
        cancelResponseTimer();
        releaseEarly();
    }

    private void releaseEarly() {
        Object part;
        while ((part = early.poll()) != null) {
            ReferenceCountUtil.release(part);
        }
    }

    private void record() {
        boolean failed = status >= 500 || grpcStatus > 0 && route.upstream().grpcFailures().contains(grpcStatus);
        stats.served(route, replica, flagged, status, failed, System.nanoTime() - startNanos, request.method(),
                request.target());
    }

    private void noteGrpcStatus(Http2Headers headers) {
        CharSequence value = headers.get(GRPC_STATUS);
        if (value != null) {
            try {
                grpcStatus = Integer.parseInt(value.toString());
            } catch (NumberFormatException e) {
                grpcStatus = 2; // UNKNOWN: what a gRPC client makes of a status it cannot read
            }
        }
    }

    private static int statusOf(Http2Headers headers) {
        CharSequence text = headers.status();
        if (text == null || text.length() != 3) {
            return HttpResponseStatus.BAD_GATEWAY.code();
        }
        try {
            return Integer.parseInt(text.toString());
        } catch (NumberFormatException e) {
            return HttpResponseStatus.BAD_GATEWAY.code();
        }
    }
}
