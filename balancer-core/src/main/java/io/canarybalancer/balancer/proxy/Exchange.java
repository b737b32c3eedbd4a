package io.canarybalancer.balancer.proxy;

import io.canarybalancer.balancer.metrics.TrafficStats;
import io.canarybalancer.balancer.proxy.http1.RequestHead;
import io.canarybalancer.balancer.proxy.http1.ResponseHead;
import io.canarybalancer.balancer.proxy.pool.BackendConnector;
import io.canarybalancer.balancer.proxy.pool.Http2Backends;
import io.canarybalancer.balancer.route.AllowedPools;
import io.canarybalancer.balancer.route.PoolRole;
import io.canarybalancer.balancer.route.Replica;
import io.canarybalancer.balancer.route.Route;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;

import java.nio.charset.StandardCharsets;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * One request and its response, relayed between a client connection and a backend connection.
 *
 * <p>Both directions stream: each body part is written to the other side as it arrives and the
 * sender is read again only while the receiver's outbound buffer is below its high-water mark, so
 * a body of any size passes through in bounded memory.
 *
 * <p>Thread confinement: the backend connection is opened on the client connection's event loop,
 * so every method here runs on that one thread and no field needs synchronisation.
 *
 * <p>Bytes, not objects: the request head is written once for the backend by
 * {@link RequestHead#writeForBackend} and the response head by {@link ResponseHead#writeForClient};
 * bodies pass as retained slices of the buffers they arrived in.
 *
 * <p>An upgrade request (a WebSocket handshake) is routed and sent like any other, on a connection
 * of its own and never a second time; a {@code 101} answer ends the exchange and hands both
 * connections to a {@link Tunnel}.
 */
final class Exchange implements BackendListener {
    /** Attempts per request: the first and at most two retries, each on another replica. */
    private static final int MAX_ATTEMPTS = 3;
    /**
     * What an answer the client stopped taking counts as: nginx's "client closed request", a 4xx, so
     * that canary analysis does not blame the replica for it.
     */
    private static final HttpResponseStatus CLIENT_GONE = new HttpResponseStatus(499, "Client Closed Request");
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LAST_CHUNK = {'0', '\r', '\n', '\r', '\n'};

    private final FrontendHandler frontend;
    private final ProxyContext context;
    private final TrafficStats stats;
    private final ChannelHandlerContext client;
    private final BackendConnector connector;
    private final ProxySettings settings;
    /** The connection's request head: valid until this exchange finishes. */
    private final RequestHead request;
    /** The replicas tried so far, the current one last. */
    private final Replica[] tried = new Replica[MAX_ATTEMPTS];
    private final Runnable checkProgress = this::checkProgress;

    // One request's state, set anew by begin(): the object serves every request of its connection.
    /** Counts the requests this object served, so that a callback of an earlier one is recognised. */
    private int generation;
    private long startNanos;
    private String method;
    /** The head as the backend gets it; kept for a replay, released when the exchange ends. */
    private ByteBuf forwardedHead;
    private Route route;
    /** The pools the route lets this request use: retries never leave them. */
    private AllowedPools allowed;
    /** Whether the request carried the route's canary header: counted apart from the route's split. */
    private boolean flagged;
    private int attempts;
    private Replica replica;
    private boolean http11Client;
    private boolean clientKeepAlive;
    private boolean expectContinue;
    /** Bodiless and idempotent: safe to send again, to the same replica or another, after a failure. */
    private boolean replayable;
    /** The route's replicas speak HTTP/2: the request goes as a stream (see {@link #connectStream()}). */
    private boolean http2Backend;
    /** The head as an HTTP/2 backend gets it, in place of {@link #forwardedHead}. */
    private Http2Headers streamHead;
    private Future<Http2StreamChannel> opening;
    /** The request's copy for the canary and the capture of stable's answer to it, or {@code null}. */
    private MirrorCall mirror;

    private Channel backend;
    private BackendHandler backendHandler;
    /** Answered 503 because no replica had room under the connection cap: counted as refused, not served. */
    private boolean refused;
    /** Whether any part of the request went to a backend: from then on only a bodiless request may be sent again. */
    private boolean sent;
    private boolean reusedConnection;
    private boolean replayed;
    private boolean continueSent;
    /** The request as read from the client: body coming, being discarded, or all taken. */
    private RequestState requestState = RequestState.READING;
    /** The answer as the client gets it: not started, streaming, or complete. */
    private ResponseState responseState = ResponseState.NOT_STARTED;
    /** A close-delimited answer going to an HTTP/1.1 client: each part is sent as a chunk. */
    private boolean rechunk;
    private boolean backendReusable;
    private boolean keepClientOpen;
    /** No request is in flight: before the first {@link #begin} and from each request's end to the next begin. */
    private boolean finished = true;
    private int status;
    /** A {@code Set-Cookie} value the balancer adds to the response (a new sticky key), or {@code null}. */
    private String setCookie;
    /** Checks, while a body streams either way, that it keeps moving (see {@link #checkProgress()}). */
    private ScheduledFuture<?> stallTimer;
    private int bodyParts;
    private int bodyPartsAtLastCheck;

    /** An exchange for the requests of one client connection, one at a time; see {@link #begin}. */
    Exchange(FrontendHandler frontend, ProxyContext context, ChannelHandlerContext client, BackendConnector connector,
             RequestHead request) {
        this.frontend = frontend;
        this.context = context;
        this.stats = context.stats();
        this.client = client;
        this.connector = connector;
        this.settings = context.settings();
        this.request = request;
    }

    /**
     * Starts the exchange of the request {@link #request} holds now; the previous one must be
     * finished. Reusing the object keeps the steady keep-alive path free of allocation.
     */
    void begin(Route route, AllowedPools allowed, Replica replica, boolean flagged, boolean clientKeepAlive,
               boolean expectContinue, boolean replayable) {
        if (!finished) {
            throw new IllegalStateException("the previous exchange is still running");
        }
        generation++;
        startNanos = System.nanoTime();
        context.retries().requested(startNanos);
        method = request.method();
        this.route = route;
        this.allowed = allowed;
        this.replica = replica;
        this.flagged = flagged;
        Arrays.fill(tried, null);
        attempts = 0;
        tried[attempts++] = replica;
        http11Client = request.http11();
        this.clientKeepAlive = clientKeepAlive;
        this.expectContinue = expectContinue;
        this.replayable = replayable;
        http2Backend = route.upstream().protocol().http2();
        streamHead = null;
        opening = null;
        backend = null;
        backendHandler = null;
        sent = false;
        refused = false;
        reusedConnection = false;
        replayed = false;
        continueSent = false;
        // A new request: its states start over, not moved (see RequestState, ResponseState).
        requestState = request.bodyless() ? RequestState.DONE : RequestState.READING; // nothing to read after the head
        responseState = ResponseState.NOT_STARTED;
        rechunk = false;
        backendReusable = false;
        keepClientOpen = false;
        finished = false;
        status = 0;
        setCookie = null;
        stallTimer = null;
        bodyParts = 0;
        bodyPartsAtLastCheck = 0;
        mirror = null;
    }

    /** Copies the request to the canary and keeps stable's answer to compare (see {@link MirrorCall}). */
    void mirrorTo(MirrorCall call) {
        this.mirror = call;
    }

    /** Adds a {@code Set-Cookie} header with this value to the backend's response. */
    void setCookieOnResponse(String cookie) {
        this.setCookie = cookie;
    }

    /** Prepares the request head for the backend and finds it a connection. */
    void start(String clientIp, boolean overTls) {
        if (mirror != null) {
            mirror.prepare(request, clientIp, overTls);
        }
        if (http2Backend) {
            streamHead = request.forHttp2Backend(clientIp, overTls, route.backendTls() != null, replica.host(),
                    replica.port());
        } else {
            forwardedHead = client.alloc().directBuffer(request.forwardedSizeHint()
                    + (clientIp == null ? 0 : clientIp.length()));
            request.writeForBackend(forwardedHead, clientIp, overTls, replica.host(), replica.port());
        }
        connect();
    }

    private void connect() {
        if (http2Backend) {
            connectStream();
            return;
        }
        if (!connector.reserve(replica.address())) {
            atCapacity();
            return;
        }
        if (request.upgrade()) {
            // Never sent twice, so never risked on a pooled connection the backend may be closing.
            connectFresh();
            return;
        }
        Channel idle = connector.pollIdle(replica.address(), route.backendTls());
        if (idle != null) {
            attach(idle, true);
        } else {
            connectFresh();
        }
    }

    private void connectFresh() {
        int connecting = generation;
        connector.connect(replica.address(), route.backendTls()).addListener((ChannelFutureListener) future -> {
            if (finished || connecting != generation) {
                future.channel().close(); // the client left while we were connecting
            } else if (future.isSuccess()) {
                attach(future.channel(), false);
            } else {
                ConnectFailure failure = ConnectFailure.of(future.cause());
                unwell(failure.status(), failure.reason());
            }
        });
    }

    /**
     * Opens a stream on one of the replica's pooled HTTP/2 connections. The answer comes back as
     * HTTP/1.1 bytes ({@link Http2ResponseBytes}), read by a {@link BackendHandler} as any other.
     */
    private void connectStream() {
        int connecting = generation;
        startResponseTimer(); // the wait for a stream is bounded too; attach() re-arms it

        opening = connector.http2().open(replica.address(), route.backendTls(), new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel stream) {
                stream.pipeline().addLast(new Http2ResponseBytes(), new BackendHandler(settings));
            }
        });
        opening.addListener(future -> {
            if (finished || connecting != generation) {
                return; // the pool closes a stream nobody took
            }
            if (future.isSuccess()) {
                attach((Channel) future.getNow(), false);
            } else if (future.cause() instanceof Http2Backends.Saturated saturated) {
                fail(HttpResponseStatus.SERVICE_UNAVAILABLE, saturated.getMessage());
            } else if (!future.isCancelled()) {
                ConnectFailure failure = ConnectFailure.of(future.cause());
                unwell(failure.status(), failure.reason());
            }
        });
    }

    private void attach(Channel channel, boolean reused) {
        backend = channel;
        backendHandler = channel.pipeline().get(BackendHandler.class);
        backendHandler.bind(this, request.isHead(), http11Client, request.upgrade());
        reusedConnection = reused;
        sent = true;
        if (http2Backend) {
            channel.write(new DefaultHttp2HeadersFrame(streamHead, requestState == RequestState.DONE),
                    channel.voidPromise());
        } else {
            channel.write(forwardedHead.retainedDuplicate(), channel.voidPromise());
        }
        if (requestState == RequestState.DONE) {
            // A bodiless request, or a replay: the head is all there is to send.
            channel.flush();
            startResponseTimer();
        } else if (http2Backend) {
            cancelResponseTimer(); // armed while waiting for the stream; the body's end arms it again
        }
        channel.read();
        if (requestState != RequestState.DONE) {
            watchProgress();
        }
        if (expectContinue && !continueSent && http11Client) {
            continueSent = true;
            client.writeAndFlush(Unpooled.wrappedBuffer(CONTINUE));
        }
        frontend.resume();
    }

    /** Whether request body parts can be taken now: a backend is attached and not pushing back, or the rest is being discarded. */
    boolean acceptsRequestContent() {
        return switch (requestState) {
            case READING -> backend != null && backend.isWritable();
            case DISCARDING -> true;
            case DONE -> false;
        };
    }

    /** Whether the whole request has been taken (sent on, or discarded). */
    boolean requestComplete() {
        return requestState == RequestState.DONE;
    }

    /** Whether the next request body part may be dispatched at all (not before a backend is attached). */
    boolean readyForRequestContent() {
        return requestState == RequestState.DISCARDING || requestState == RequestState.READING && backend != null;
    }

    /** Request body bytes {@code [from, to)} of {@code in}: sent on as a retained slice, or dropped. */
    void requestBody(ByteBuf in, int from, int to) {
        bodyParts++;
        if (mirror != null) {
            mirror.requestBody(in, from, to);
        }
        if (requestState != RequestState.DISCARDING && backend != null) {
            ByteBuf part = in.retainedSlice(from, to - from);
            backend.write(http2Backend ? new DefaultHttp2DataFrame(part, false) : part, backend.voidPromise());
        }
    }

    /** The whole request has been read. */
    void requestEnd() {
        boolean discarded = requestState == RequestState.DISCARDING;
        requestState = requestState.to(RequestState.DONE);
        if (mirror != null) {
            mirror.requestEnd();
        }
        cancelStallTimer();
        if (backend != null && !discarded) {
            if (http2Backend) {
                backend.write(new DefaultHttp2DataFrame(true), backend.voidPromise()); // ends the stream
            }
            backend.flush();
            if (responseState == ResponseState.NOT_STARTED) {
                startResponseTimer();
            }
        }
        maybeFinish();
    }

    /** The request body turned out malformed: answer 400 if nothing was answered yet, else just close. */
    void requestMalformed(String reason) {
        if (finished) {
            return;
        }
        if (responseState == ResponseState.NOT_STARTED) {
            failWith(HttpResponseStatus.BAD_REQUEST, ErrorResponses.message("malformed request body: " + reason));
        } else {
            backendFailed(CLIENT_GONE, reason);
        }
    }

    void flushRequest() {
        if (backend != null && requestState != RequestState.DISCARDING) {
            backend.flush();
        }
    }

    @Override
    public void onResponseHead(ResponseHead head, boolean untilClose) {
        if (finished) {
            return;
        }
        if (head.switchingProtocols()) {
            switchProtocols(head);
            return;
        }
        responseState = responseState.to(ResponseState.STREAMING);
        status = head.code();
        cancelResponseTimer();
        context.health().succeeded(replica);
        boolean keepOpen = clientKeepAlive && !frontend.draining();
        boolean chunkedForClient = false;
        if (!request.isHead() && !head.bodylessStatus() && (head.chunked() || untilClose)) {
            // A chunked or close-delimited body is sent chunked to an HTTP/1.1 client; an HTTP/1.0
            // client gets it delimited by the close of the connection.
            if (http11Client) {
                chunkedForClient = true;
                rechunk = untilClose;
            } else {
                keepOpen = false;
            }
        } else if (request.isHead() && head.chunked() && http11Client) {
            chunkedForClient = true; // what a GET would have got
        }
        keepClientOpen = keepOpen;
        ByteBuf out = client.alloc().directBuffer(head.sizeHint() + (setCookie == null ? 0 : setCookie.length() + 14));
        head.writeForClient(out, chunkedForClient, replica.role() == PoolRole.CANARY ? "canary" : "stable", setCookie,
                !keepOpen, keepOpen && !http11Client);
        client.write(out, client.voidPromise());
        bodyParts++;
        if (mirror != null) {
            mirror.stableHead(head, head.chunked() && http11Client); // relayed with its chunked framing then
        }
    }

    /**
     * The backend agreed to the upgrade: the {@code 101} goes to the client and the exchange ends
     * (counted with the latency of the {@code 101}); both connections become a {@link Tunnel}.
     */
    private void switchProtocols(ResponseHead head) {
        responseState = responseState.to(ResponseState.COMPLETE);
        status = head.code();
        context.health().succeeded(replica);
        ByteBuf out = client.alloc().directBuffer(head.sizeHint() + (setCookie == null ? 0 : setCookie.length() + 14));
        head.writeForClient(out, false, replica.role() == PoolRole.CANARY ? "canary" : "stable", setCookie, false,
                false);
        client.write(out, client.voidPromise()); // flushed with the tunnel's first bytes
        Channel channel = backend;
        BackendHandler handler = backendHandler;
        backend = null;
        end();
        record();
        Tunnel tunnel = new Tunnel(client, channel, stats.tunnelOpened(route, replica), settings.tunnelIdleTimeout(),
                settings.stallTimeout());
        handler.tunnel(tunnel);
        frontend.tunnelOpened(tunnel);
    }

    @Override
    public void onResponseBody(ByteBuf in, int from, int to) {
        if (finished) {
            return;
        }
        bodyParts++;
        if (mirror != null) {
            mirror.stableBody(in, from, to);
        }
        if (rechunk) {
            client.write(chunkSizeLine(client.channel(), to - from), client.voidPromise());
            client.write(in.retainedSlice(from, to - from), client.voidPromise());
            client.write(Unpooled.wrappedBuffer(CRLF), client.voidPromise());
        } else {
            client.write(in.retainedSlice(from, to - from), client.voidPromise());
        }
    }

    @Override
    public void onResponseEnd(boolean reusable) {
        if (finished) {
            return;
        }
        if (rechunk) {
            client.write(Unpooled.wrappedBuffer(LAST_CHUNK), client.voidPromise());
        }
        backendReusable = reusable;
        responseState = responseState.to(ResponseState.COMPLETE);
        if (requestState != RequestState.DONE) {
            // The backend answered before reading the whole body; the rest goes nowhere.
            requestState = requestState.to(RequestState.DISCARDING);
            backendReusable = false;
        }
        // The backend connection goes back (and its place under limits.backendConnections with it)
        // before the client has the end of the answer: a client that then sends its next request,
        // over another connection on another event loop, finds the place free.
        maybeFinish();
        client.flush();
    }

    @Override
    public void onBackendInvalid(String reason) {
        if (!finished) {
            backend = null; // closed already
            backendFailed(HttpResponseStatus.BAD_GATEWAY, reason);
        }
    }

    private static ByteBuf chunkSizeLine(Channel channel, long size) {
        String hex = Long.toHexString(size);
        ByteBuf line = channel.alloc().buffer(hex.length() + 2);
        ByteBufUtil.writeAscii(line, hex);
        return line.writeBytes(CRLF);
    }

    @Override
    public void onBackendReadComplete() {
        if (responseState == ResponseState.STREAMING) {
            watchProgress(); // an answer that streams: it must keep moving too
        }
        client.flush();
        readBackendIfClientWritable();
    }

    @Override
    public void onBackendWritabilityChanged() {
        frontend.readIfReady();
    }

    /** The client's outbound buffer drained: resume reading the response. */
    void onClientWritable() {
        readBackendIfClientWritable();
    }

    private void readBackendIfClientWritable() {
        if (backend != null && responseState != ResponseState.COMPLETE && client.channel().isWritable()) {
            backend.read();
        }
    }

    @Override
    public void onBackendClosed(Throwable cause) {
        if (finished || backend == null) {
            return;
        }
        if (responseState == ResponseState.COMPLETE) {
            // It answered in full before reading the whole body, then closed, as servers do: the
            // answer stands; the rest of the body is discarded as it arrives.
            backend = null;
            return;
        }
        if (responseState == ResponseState.NOT_STARTED && reusedConnection && replayable && !replayed) {
            // A pooled connection the backend had already closed: the request never reached it.
            replayed = true;
            backend = null;
            cancelResponseTimer();
            if (connector.reserve(replica.address())) {
                connectFresh();
            } else {
                atCapacity();
            }
            return;
        }
        if (responseState == ResponseState.STREAMING) {
            backendFailed(HttpResponseStatus.BAD_GATEWAY, "backend closed the connection mid-response");
        } else {
            unwell(HttpResponseStatus.BAD_GATEWAY, "backend closed the connection before answering");
        }
    }

    /**
     * The replica failed before answering: it is reported to passive health, and the request goes
     * to another replica when that is safe (nothing of it was sent, or it is bodiless and
     * idempotent), the retry budget allows and the attempts are not used up. Otherwise the client
     * gets {@code status}.
     */
    private void unwell(HttpResponseStatus status, String reason) {
        // A pooled connection closing under us is the keep-alive race, not a sick replica.
        boolean replicaAtFault = !(reusedConnection && status == HttpResponseStatus.BAD_GATEWAY);
        if (replicaAtFault) {
            context.health().failed(replica, reason);
        }
        if (!finished && (!sent || replayable) && attempts < MAX_ATTEMPTS) {
            Replica next = frontend.pick(route, allowed, flagged, tried, attempts);
            if (next != null && context.retries().tryRetry(System.nanoTime())) {
                if (replicaAtFault) {
                    // The client will not see this failure, but canary analysis must.
                    stats.attemptFailed(route, replica, status.code(), System.nanoTime() - startNanos);
                }
                closeBackend();
                cancelResponseTimer();
                stats.retried(route);
                replica = next;
                tried[attempts++] = next;
                reusedConnection = false;
                replayed = false;
                connect();
                return;
            }
        }
        fail(status, reason);
    }

    private void backendFailed(HttpResponseStatus status, String reason) {
        if (responseState != ResponseState.NOT_STARTED) {
            // Part of the response is out: the only honest signal left is closing the client connection.
            // The answer counts as what it turned out to be, not as the status its head announced.
            this.status = status.code();
            closeBackend();
            cancelStallTimer();
            end();
            record();
            frontend.exchangeAborted(this);
        } else {
            fail(status, reason);
        }
    }

    private void watchProgress() {
        if (stallTimer == null) {
            long period = settings.stallTimeout().toMillis();
            stallTimer = client.executor().scheduleAtFixedRate(checkProgress, period, period, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Runs every {@code timeouts.stall} while a body streams in either direction. If no part moved
     * since the last run, the exchange is stuck: the client stopped sending its body (408), the
     * backend stopped reading it (504), or, once the answer is under way, the backend stopped
     * sending or the client stopped reading (the connection is closed: the answer cannot be finished).
     */
    private void checkProgress() {
        if (finished || requestState == RequestState.DONE && responseState == ResponseState.COMPLETE) {
            cancelStallTimer();
            return;
        }
        if (bodyParts != bodyPartsAtLastCheck) {
            bodyPartsAtLastCheck = bodyParts;
            return;
        }
        cancelStallTimer();
        String reason = "no progress for more than " + settings.stallTimeout().toMillis() + " ms";
        if (responseState != ResponseState.NOT_STARTED) {
            // The backend is read only while the client takes what it sent (see readBackendIfClientWritable):
            // with the client's buffer full, the client stopped reading; otherwise the backend stopped sending.
            backendFailed(client.channel().isWritable() ? HttpResponseStatus.GATEWAY_TIMEOUT : CLIENT_GONE, reason);
        } else if (requestState == RequestState.DISCARDING || backend != null && backend.isWritable()) {
            failWith(HttpResponseStatus.REQUEST_TIMEOUT, ErrorResponses.message("the request body stalled: " + reason));
        } else {
            fail(HttpResponseStatus.GATEWAY_TIMEOUT, "backend stopped reading the request: " + reason);
        }
    }

    private void cancelStallTimer() {
        if (stallTimer != null) {
            stallTimer.cancel(false);
            stallTimer = null;
        }
    }

    /**
     * The replica has no room under {@code limits.backendConnections}: the pick passes over full
     * replicas, but another event loop may have taken the last place since. The request goes to
     * another replica it may use with room, as if this one had been tried (nothing was sent, so
     * this is no retry); when there is none, it is answered 503 at once, counted as refused, and
     * neither passive health nor canary analysis hears of it.
     */
    private void atCapacity() {
        if (attempts < MAX_ATTEMPTS) {
            Replica next = frontend.pick(route, allowed, flagged, tried, attempts);
            if (next != null) {
                replica = next;
                tried[attempts++] = next;
                connect();
                return;
            }
        }
        refused = true;
        failWith(HttpResponseStatus.SERVICE_UNAVAILABLE, ErrorResponses.noReplica(route, ErrorResponses.AT_CAPACITY));
    }

    /** Answers the client with an error instead of a backend response. */
    private void fail(HttpResponseStatus status, String reason) {
        failWith(status, ErrorResponses.backendFailure(reason, route, replica.id()));
    }

    private void failWith(HttpResponseStatus status, String json) {
        if (finished) {
            return;
        }
        cancelResponseTimer();
        closeBackend();
        responseState = responseState.to(ResponseState.COMPLETE);
        this.status = status.code();
        boolean bodyPending = requestState != RequestState.DONE && !request.bodyless();
        keepClientOpen = clientKeepAlive && !bodyPending;
        if (bodyPending) {
            requestState = requestState.to(RequestState.DONE); // we close instead of reading the rest
        }
        cancelStallTimer();
        client.writeAndFlush(ErrorResponses.json(client.alloc(), status, json, !keepClientOpen, request.isHead()));
        maybeFinish();
        if (!finished) {
            frontend.resume(); // the rest of the (empty) body may be queued; it is discarded now
        }
    }

    private void startResponseTimer() {
        frontend.responseDeadline().arm(this, settings.responseTimeout().toNanos());
    }

    private void cancelResponseTimer() {
        frontend.responseDeadline().disarm(this);
    }

    /** The backend did not start answering within {@code timeouts.response} of the request being sent. */
    void onResponseTimeout() {
        if (!finished && responseState == ResponseState.NOT_STARTED) {
            unwell(HttpResponseStatus.GATEWAY_TIMEOUT, "backend did not answer in time");
        }
    }

    private void maybeFinish() {
        if (finished || requestState != RequestState.DONE || responseState != ResponseState.COMPLETE) {
            return;
        }
        end();
        cancelResponseTimer();
        cancelStallTimer();
        record();
        if (backend != null) {
            Channel channel = backend;
            backend = null;
            backendHandler.unbind();
            if (backendReusable && !http2Backend) {
                // At once, within the read that ended the answer: the connection's read interest
                // stays armed instead of being cleared and set again (two epoll_ctl calls a request).
                connector.release(channel);
            } else {
                channel.close();
            }
        }
        frontend.exchangeFinished(this, keepClientOpen);
    }

    /** The client connection went away: drop the backend connection, whose state is now unknown. */
    void abort() {
        if (!finished) {
            end();
            cancelResponseTimer();
            cancelStallTimer();
            closeBackend();
            if (responseState != ResponseState.NOT_STARTED) {
                if (responseState != ResponseState.COMPLETE) {
                    status = CLIENT_GONE.code(); // the answer never reached the client, through no fault of the backend's
                }
                record();
            }
        }
    }

    private void record() {
        if (refused) {
            stats.refused(route, flagged, status, method, request.target());
            return;
        }
        stats.served(route, replica, flagged, status, System.nanoTime() - startNanos, method,
                request.target());
    }

    /** The exchange is over: nothing more is sent for it, and the head kept for replays goes. */
    private void end() {
        finished = true;
        if (mirror != null) {
            // Only an answer stable sent in full (not one cut short, or the client's 499) pairs with the copy's.
            mirror.stableEnded(responseState == ResponseState.COMPLETE && !refused && status != CLIENT_GONE.code()
                    && replica.role() == PoolRole.STABLE, replica.id());
            mirror = null;
        }
        // The object serves the connection's next request: nothing of this one may fire later.
        cancelStallTimer();
        cancelResponseTimer();
        if (forwardedHead != null) {
            forwardedHead.release();
            forwardedHead = null;
        }
    }

    private void closeBackend() {
        if (opening != null) {
            opening.cancel(false); // still waiting for a stream: stop waiting
            opening = null;
        }
        if (backend != null) {
            backendHandler.unbind();
            backend.close();
            backend = null;
        }
    }
}
