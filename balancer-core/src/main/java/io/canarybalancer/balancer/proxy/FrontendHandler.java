package io.canarybalancer.balancer.proxy;

import io.canarybalancer.balancer.metrics.TrafficStats;
import io.canarybalancer.balancer.mirror.RouteMirror;
import io.canarybalancer.balancer.proxy.http1.BodyFraming;
import io.canarybalancer.balancer.proxy.http1.HeadBuffer;
import io.canarybalancer.balancer.proxy.http1.Methods;
import io.canarybalancer.balancer.proxy.http1.RequestHead;
import io.canarybalancer.balancer.proxy.pool.BackendConnector;
import io.canarybalancer.balancer.route.AllowedPools;
import io.canarybalancer.balancer.route.Fallback;
import io.canarybalancer.balancer.route.PoolRole;
import io.canarybalancer.balancer.route.Replica;
import io.canarybalancer.balancer.route.ReplicaPicker;
import io.canarybalancer.balancer.route.Route;
import io.canarybalancer.balancer.route.RoutingTableHolder;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The only handler of a client connection: reads each request in place from the received bytes
 * ({@link HeadBuffer}, {@link RequestHead}, {@link BodyFraming}), routes it, and runs one
 * {@link Exchange} at a time. No HTTP codec, no message objects: the head is scanned once and
 * written for the backend with only the proxy's edits, the body passes as slices of the buffers
 * it arrived in.
 *
 * <p>{@code AUTO_READ} is off; the client's body is read only while the current exchange can take
 * more (its backend is attached and writable), so a fast client cannot flood a slow backend. Bytes
 * that cannot be taken yet (a pipelined request, body bytes before the backend is attached) wait
 * in {@code pending}, and reading stops until they are taken, so at most one read's worth waits.
 *
 * <p>Timeouts are per connection, one task re-armed by timestamp: an idle keep-alive connection is
 * closed after {@code timeouts.clientIdle}; a request head that takes longer than
 * {@code timeouts.requestHead} from its first byte is answered 408.
 *
 * <p>Once a backend switched protocols for the connection (a WebSocket), it belongs to a
 * {@link Tunnel}, which gets every read unparsed and keeps its own timeout.
 */
final class FrontendHandler extends ChannelInboundHandlerAdapter implements BodyFraming.Sink {
    private static final Logger log = LoggerFactory.getLogger(FrontendHandler.class);
    private static final Replica[] NO_REPLICAS = new Replica[0];

    private final ProxyContext context;
    private final RoutingTableHolder routes;
    private final ProxySettings settings;
    private final TrafficStats stats;
    private final HeadBuffer head;
    private final RequestHead request;
    private final BodyFraming body;

    private ChannelHandlerContext ctx;
    private ResponseDeadline responseDeadline;
    private BackendConnector connector;
    private String clientIp;
    /**
     * The connection's first bytes are not the HTTP/2 preface: it speaks HTTP/1.1 (see
     * {@link Http2Preface}); until then, every read is checked for it.
     */
    private boolean prefaceRuledOut;
    /** The connection is TLS, terminated by the pipeline in front of this handler. */
    private final boolean overTls;
    /** The exchange in flight, or {@code null}. */
    private Exchange exchange;
    /** The one exchange object of this connection, begun anew for each request. */
    private Exchange exchanges;
    /** Set once the connection switched protocols: it carries nothing else from then on. */
    private Tunnel tunnel;
    /** Bytes received and not yet taken; owned here. */
    private ByteBuf pending;
    /** The buffer being scanned for body bytes (the sink's ranges index into it). */
    private ByteBuf scanning;
    /** The request line of the head being read was checked already. */
    private boolean requestLineChecked;
    /** The current request's body is being read. */
    private boolean inBody;
    private boolean processing;
    private boolean processAgain;
    private boolean closing;
    private boolean draining;
    /** The client shut its sending side (half-close): answer what it asked, then close. */
    private boolean inputClosed;
    /** Between a channelRead and its channelReadComplete, which flushes whatever the batch wrote. */
    private boolean inReadBatch;
    private long lastReadNanos;
    private long headStartNanos;
    private ScheduledFuture<?> timer;
    private long timerAt;

    FrontendHandler(ProxyContext context) {
        this(context, false);
    }

    FrontendHandler(ProxyContext context, boolean overTls) {
        this.context = context;
        this.overTls = overTls;
        this.routes = context.routes();
        this.settings = context.settings();
        this.stats = context.stats();
        this.head = new HeadBuffer(settings.maxInitialLineLength(), settings.maxHeaderSize(), 414);
        this.request = new RequestHead(settings.maxHeaderCount(), settings.upgrades());
        this.body = new BodyFraming(settings.maxInitialLineLength(), settings.maxHeaderSize());
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.responseDeadline = new ResponseDeadline(ctx.executor());
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        connector = context.connectors().apply(ctx.channel().eventLoop());
        exchanges = new Exchange(this, context, ctx, connector, request);
        clientIp = clientIp(ctx.channel().remoteAddress());
        lastReadNanos = now();
        armTimer(lastReadNanos + settings.clientIdleTimeout().toNanos());
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in) || closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (tunnel != null) {
            tunnel.fromClient(in);
            return;
        }
        inReadBatch = true;
        lastReadNanos = now();
        boolean nothingPending = pending == null;
        if (pending == null) {
            pending = in;
        } else {
            ByteBuf joined = ctx.alloc().buffer(pending.readableBytes() + in.readableBytes());
            joined.writeBytes(pending).writeBytes(in);
            pending.release();
            in.release();
            pending = joined;
        }
        if (!prefaceRuledOut) {
            int preface = Http2Preface.match(pending);
            if (preface == Http2Preface.WHOLE) {
                switchToHttp2();
                return;
            }
            if (preface == Http2Preface.PART) {
                // A client that sends the preface in pieces: wait for the rest, as long as a head may take.
                if (nothingPending) {
                    headStartNanos = lastReadNanos; // its first piece
                }
                armTimer(headStartNanos + settings.requestHeadTimeout().toNanos());
                ctx.read();
                return;
            }
            prefaceRuledOut = true;
        }
        process();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (tunnel != null) {
            tunnel.clientReadComplete();
            return;
        }
        inReadBatch = false;
        if (exchange != null) {
            exchange.flushRequest();
        }
        readIfReady();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (tunnel != null && ctx.channel().isWritable()) {
            tunnel.clientWritable();
        } else if (exchange != null && ctx.channel().isWritable()) {
            exchange.onClientWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        responseDeadline.close();
        cancelTimer();
        if (tunnel != null) {
            tunnel.clientClosed();
        }
        if (exchange != null) {
            exchange.abort();
            exchange = null;
        }
        releasePending();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("Client connection {} failed", ctx.channel(), cause);
        ctx.close();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent handshake && handshake.isSuccess()) {
            // The client's Finished just arrived, and the TLS library sends nothing back until the
            // first answer (its session tickets go with it): a client that sends its request behind
            // Nagle's algorithm (ab does) would wait for the kernel's delayed ACK of that Finished,
            // 40 ms on every new connection. Acknowledge it at once.
            Transport.acknowledgeNow(ctx.channel());
            SslHandler tls = ctx.pipeline().get(SslHandler.class);
            if (tls != null && ApplicationProtocolNames.HTTP_2.equals(tls.applicationProtocol())) {
                switchToHttp2(); // the client chose h2 by ALPN
                return;
            }
        }
        if (evt instanceof ChannelInputShutdownEvent && tunnel != null) {
            tunnel.clientInputClosed();
        } else if (evt instanceof ChannelInputShutdownEvent) {
            inputClosed = true;
            draining = true; // the exchange in flight is the connection's last
            if (exchange == null && pending == null) {
                closeAfterWrites();
            }
        } else if (evt == Drain.INSTANCE) {
            draining = true;
            if (exchange == null && tunnel == null && !head.started()) {
                closeAfterWrites(); // idle between requests: nothing to finish
            }
            // A request whose head is arriving is read and answered (an upgrade with 503), then the
            // connection closes; an open tunnel has until the drain timeout, when the server closes what is left.

        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    /**
     * Takes what {@code pending} holds as far as it can be taken now: request heads, one at a time,
     * and the current request's body as the exchange can take it. Not re-entered: an exchange that
     * becomes ready while this runs ({@link #resume()}) makes it go round again.
     */
    private void process() {
        if (processing) {
            processAgain = true;
            return;
        }
        processing = true;
        try {
            do {
                processAgain = false;
                while (pending != null && !closing && step()) {
                    if (pending != null && !pending.isReadable()) {
                        releasePending();
                    }
                }
            } while (processAgain && !closing);
        } finally {
            processing = false;
        }
    }

    /** One step over {@code pending}; {@code false} when nothing more can be taken now. */
    private boolean step() {
        int from = pending.readerIndex();
        int to = pending.writerIndex();
        if (inBody) {
            if (exchange != null && !exchange.readyForRequestContent()) {
                return false; // no backend yet: the body waits
            }
            scanning = pending;
            int end = body.scan(pending, from, to, this);
            scanning = null;
            if (end < 0) {
                malformedBody(body.problem());
                return false;
            }
            pending.readerIndex(end);
            if (body.done()) {
                inBody = false;
                if (exchange != null) {
                    exchange.requestEnd();
                }
            }
            return true;
        }
        if (exchange != null) {
            return false; // a pipelined request waits for the current exchange
        }
        if (!head.started()) {
            headStartNanos = lastReadNanos; // set by the read (or the exchange's end) this runs in
        }
        int end = head.append(pending, from, to);
        if (end == HeadBuffer.FAILED) {
            reject(head.status(), head.problem());
            return false;
        }
        if (!requestLineChecked && head.hasStartLine()) {
            requestLineChecked = true;
            if (!request.readRequestLine(head)) {
                reject(request.status(), request.problem());
                return false;
            }
        }
        if (end == HeadBuffer.MORE) {
            pending.readerIndex(to);
            armTimer(headStartNanos + settings.requestHeadTimeout().toNanos());
            return true;
        }
        pending.readerIndex(end);
        requestLineChecked = false;
        begin();
        head.reset(); // the bytes stay in place for the request's views until the next head
        return true;
    }

    @Override
    public void forward(int from, int to) {
        if (exchange != null) {
            exchange.requestBody(scanning, from, to);
        }
    }

    private void begin() {
        if (!request.readFields(head)) {
            reject(request.status(), request.problem());
            return;
        }
        if (request.isConnect()) {
            respond(HttpResponseStatus.METHOD_NOT_ALLOWED, ErrorResponses.message("CONNECT is not supported"), true);
            return;
        }
        if (request.hasExpect() && !request.expectsContinue()) {
            respond(HttpResponseStatus.EXPECTATION_FAILED,
                    ErrorResponses.message("only 'Expect: 100-continue' is supported"), true);
            return;
        }
        boolean keepAlive = request.keepAlive();
        boolean bodyless = request.bodyless();
        Route route = routes.get().find(request.target());
        if (route == null) {
            stats.unrouted();
            respond(HttpResponseStatus.NOT_FOUND, ErrorResponses.message("no route for this path"),
                    !keepAlive || !bodyless);
            return;
        }
        if (request.upgrade() && route.upstream().protocol().http2()) {
            respond(HttpResponseStatus.NOT_IMPLEMENTED, ErrorResponses.message("route " + route.name()
                    + " speaks HTTP/2 to its backends, which cannot switch protocols"), true);
            return;
        }
        if (request.upgrade() && draining) {
            respond(HttpResponseStatus.SERVICE_UNAVAILABLE,
                    ErrorResponses.message("the balancer is shutting down: no new upgrades"), true);
            return;
        }
        String newCookie = StickyCookie.assign(route.policy().sticky(), request);
        boolean flagged = route.policy().header().matches(request);
        AllowedPools allowed = route.allowedPools(request, flagged);
        Replica replica = pick(route, allowed, flagged, NO_REPLICAS, 0);
        if (replica == null) {
            boolean rejectedFlag = route.policy().fallback() == Fallback.REJECT && flagged;
            String error = route.waiting() != null ? route.waiting() // pools not known yet: say why
                    : !rejectedFlag ? "no healthy replica"
                    : route.policy().canaryHalted() ? "the canary was rolled back automatically, and fallback is reject"
                    : "no healthy canary replica, and fallback is reject";
            stats.refused(route, flagged, HttpResponseStatus.SERVICE_UNAVAILABLE.code(), request.method(),
                    request.target());
            respond(HttpResponseStatus.SERVICE_UNAVAILABLE, ErrorResponses.noReplica(route, error),
                    !keepAlive || !bodyless);
            return;
        }
        if (request.chunked()) {
            // Relayed as it came to an HTTP/1.1 backend; an HTTP/2 one gets the data alone, in DATA frames.
            body.expectChunked(!route.upstream().protocol().http2());
            inBody = true;
        } else if (!bodyless) {
            body.expectLength(request.contentLength());
            inBody = true;
        }
        exchange = exchanges;
        exchange.begin(route, allowed, replica, flagged, keepAlive, request.expectsContinue(),
                // An upgrade switches the backend's connection: once sent, it is never sent again.
                bodyless && Methods.idempotent(request.method()) && !request.upgrade());
        if (newCookie != null) {
            exchange.setCookieOnResponse(newCookie);
        }
        RouteMirror mirror = replica.role() == PoolRole.STABLE && !request.upgrade()
                ? context.mirrors().forRoute(route.name()) : null;
        if (mirror != null) {
            long bodyLength = bodyless ? 0 : request.chunked() ? -1 : request.contentLength();
            exchange.mirrorTo(MirrorCall.of(context, ctx, mirror, route, request.method(), request.target(),
                    bodyLength));
        }
        exchange.start(clientIp, overTls);
    }

    /** A request head that cannot be served: answered with its status, then the connection is closed. */
    private void reject(int status, String problem) {
        write(HttpResponseStatus.valueOf(status), ErrorResponses.message("malformed request: " + problem), true, false);
    }

    /** A body that turned out malformed after its head was accepted. */
    private void malformedBody(String problem) {
        if (exchange != null) {
            exchange.requestMalformed(problem); // 400, unless the answer is under way already
        }
        closeAfterWrites();
    }

    /** The replica for the current request: see {@link ReplicaPicker#pick}. */
    Replica pick(Route route, AllowedPools allowed, boolean flagged, Replica[] tried, int count) {
        return ReplicaPicker.pick(context.routes(), context.avoided(), route, allowed, request, flagged, tried, count);
    }

    /** The response timeout shared by this connection's exchanges. */
    ResponseDeadline responseDeadline() {
        return responseDeadline;
    }

    /** Whether the balancer is shutting down: the current exchange is the connection's last. */
    boolean draining() {
        return draining;
    }

    /** Answers the current request itself (no route, no replica, a method or expectation refused). */
    private void respond(HttpResponseStatus status, String json, boolean close) {
        write(status, json, close || draining, request.isHead());
    }

    private void write(HttpResponseStatus status, String json, boolean close, boolean headRequest) {
        ChannelFuture future = ctx.writeAndFlush(ErrorResponses.json(ctx.alloc(), status, json, close, headRequest));
        if (close) {
            closing = true;
            releasePending();
            future.addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** The exchange can take request content now (a backend is attached, or the body is discarded). */
    void resume() {
        process();
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
            closeAfterWrites();
            return;
        }
        lastReadNanos = now(); // idle from now on
        process();
        if (exchange != null) {
            exchange.flushRequest();
        }
        readIfReady();
    }

    /**
     * The client speaks HTTP/2 (its preface arrived, or it chose {@code h2} by ALPN): the connection
     * is handed to {@link Http2Frontend}, with the bytes read so far.
     */
    private void switchToHttp2() {
        cancelTimer();
        responseDeadline.close();
        ByteBuf early = pending;
        pending = null;
        Http2Frontend.install(ctx, context, overTls, clientIp, early);
    }

    /** The current exchange's backend switched protocols: from now on the connection is the tunnel's. */
    void tunnelOpened(Tunnel opened) {
        exchange = null;
        tunnel = opened;
        cancelTimer(); // the tunnel keeps its own
        ByteBuf early = pending; // sent after the upgrade request, before the answer: the new protocol's
        pending = null;
        opened.open(early);
        if (inputClosed) {
            opened.clientInputClosed(); // the client shut its side while waiting for the answer
        }
    }

    void exchangeAborted(Exchange aborted) {
        if (exchange == aborted) {
            exchange = null;
            closing = true;
            releasePending();
            ctx.close();
        }
    }

    /**
     * Reads from the client when what comes next can be taken now: the next request, or body parts
     * the backend connection can absorb. Once the request is complete the client is read on as
     * well: that keeps the read armed across requests (no re-arming per request) and notices a
     * client that leaves; a pipelined request it brings waits in {@code pending}, and pending bytes
     * stop reading, so at most one read's worth waits.
     */
    void readIfReady() {
        if (closing || inputClosed || pending != null || tunnel != null) {
            return;
        }
        if (exchange == null || exchange.acceptsRequestContent() || exchange.requestComplete()) {
            ctx.read();
        }
    }

    /** After what is queued for the client (the end of the last answer) is written, close. */
    private void closeAfterWrites() {
        closing = true;
        releasePending();
        // The handler is the pipeline's last, so the channel's write is the one ctx would make.
        Channels.closeOnFlush(ctx.channel());
    }

    private void releasePending() {
        if (pending != null) {
            pending.release();
            pending = null;
        }
    }

    /** The client's IP address as {@code X-Forwarded-For} shows it, or {@code null} if not an IP socket. */
    private static String clientIp(SocketAddress address) {
        return address instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress() : null;
    }

    private long now() {
        return ctx.executor().ticker().nanoTime();
    }

    /** Makes the connection's one timer run no later than {@code deadline}. */
    private void armTimer(long deadline) {
        if (timer != null) {
            if (timerAt <= deadline) {
                return;
            }
            timer.cancel(false);
        }
        timerAt = deadline;
        timer = ctx.executor().schedule(this::onTimer, Math.max(0, deadline - now()), TimeUnit.NANOSECONDS);
    }

    private void onTimer() {
        timer = null;
        if (closing || tunnel != null) {
            return;
        }
        long now = now();
        boolean headUnderWay = exchange == null && !inBody
                && (head.started() || !prefaceRuledOut && pending != null); // or a preface in pieces
        if (headUnderWay) {
            long headDeadline = headStartNanos + settings.requestHeadTimeout().toNanos();
            if (now >= headDeadline) {
                write(HttpResponseStatus.REQUEST_TIMEOUT, ErrorResponses.message("the request head took longer than "
                        + settings.requestHeadTimeout().toMillis() + " ms to arrive"), true, false);
                return;
            }
            armTimer(headDeadline);
        }
        long idleDeadline = lastReadNanos + settings.clientIdleTimeout().toNanos();
        boolean idle = exchange == null && pending == null && !head.started();
        if (idle && now >= idleDeadline) {
            closing = true;
            ctx.close(); // an idle keep-alive connection past its timeout
            return;
        }
        armTimer(idle ? idleDeadline : now + settings.clientIdleTimeout().toNanos());
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
