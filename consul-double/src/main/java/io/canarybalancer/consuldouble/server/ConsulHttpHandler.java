package io.canarybalancer.consuldouble.server;

import io.canarybalancer.consuldouble.endpoint.Outcome;
import io.canarybalancer.consuldouble.endpoint.Router;
import io.canarybalancer.consuldouble.endpoint.StatusEndpoint;
import io.canarybalancer.consuldouble.fault.Fault;
import io.canarybalancer.consuldouble.fault.FaultPlan;
import io.canarybalancer.consuldouble.http.RecordedRequest;
import io.canarybalancer.consuldouble.http.Reply;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Per-connection entry point: decodes the request into a {@link RecordedRequest} (copying everything out
 * of Netty's buffers so nothing reference-counted outlives this call), records it, lets the fault plan
 * claim it, routes it, and parks blocking reads until they can be answered.
 */
public final class ConsulHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger LOG = LoggerFactory.getLogger(ConsulHttpHandler.class);

    /** One request in flight with what its fault (if any) asks of the answer. */
    private record Exchange(Channel channel, boolean keepAlive, RecordedRequest request, Fault fault,
                            UnaryOperator<Reply> rewrite, boolean resetMidResponse) {
    }

    private final RequestRecorder recorder;
    private final FaultPlan faults;
    private final Router router;
    private final ParkedRequests parked;
    private final StatusEndpoint status;

    public ConsulHttpHandler(RequestRecorder recorder, FaultPlan faults, Router router, ParkedRequests parked,
                             StatusEndpoint status) {
        this.recorder = recorder;
        this.faults = faults;
        this.router = router;
        this.parked = parked;
        this.status = status;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest msg) {
        Channel channel = ctx.channel();
        boolean keepAlive = HttpUtil.isKeepAlive(msg);
        if (msg.decoderResult().isFailure()) {
            ResponseWriter.write(channel, Reply.text(400, "Bad Request"), false);
            return;
        }
        RecordedRequest request;
        try {
            request = decode(msg);
        } catch (IllegalArgumentException e) {
            ResponseWriter.write(channel, Reply.text(400, "Invalid URL path: " + e.getMessage()), keepAlive);
            return;
        }
        Fault fault = faults.claim(request).orElse(null);
        if (fault != null) {
            request = request.withFault(fault.description());
        }
        recorder.record(request);
        LOG.debug("{}", request);
        dispatch(new Exchange(channel, keepAlive, request, fault, rewriteFor(fault, request),
                fault != null && fault.kind() == Fault.Kind.RESET_MID_RESPONSE));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        parked.discard(ctx.channel());
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Clients resetting connections is routine in fault tests; nothing to report beyond debug.
        LOG.debug("Connection error on {}", ctx.channel(), cause);
        ctx.close();
    }

    private void dispatch(Exchange ex) {
        Fault fault = ex.fault();
        if (fault == null) {
            serve(ex);
            return;
        }
        switch (fault.kind()) {
            case ERROR -> ResponseWriter.write(ex.channel(), fault.errorReply(), ex.keepAlive());
            case HANG -> parked.hang(ex.channel(), ex.request().path());
            case DELAY -> ex.channel().eventLoop().schedule(() -> serve(ex), fault.duration().toNanos(), TimeUnit.NANOSECONDS);
            case CLOSE -> ex.channel().close();
            case RESET -> ResponseWriter.reset(ex.channel());
            case OUTAGE -> serveDuringOutage(ex);
            default -> serve(ex);
        }
    }

    /** See {@link Fault#leaderOutage(java.time.Duration)} for which requests still succeed. */
    private void serveDuringOutage(Exchange ex) {
        RecordedRequest req = ex.request();
        if (req.path().equals("/v1/status/leader")) {
            finish(ex, ((Outcome.Done) status.noLeader()).reply());
        } else if ((isClusterRead(req) && !isStale(req)) || (!req.isRead() && req.path().startsWith("/v1/kv/"))) {
            ResponseWriter.write(ex.channel(), ex.fault().errorReply(), ex.keepAlive());
        } else {
            serve(ex);
        }
    }

    private void serve(Exchange ex) {
        if (!ex.channel().isActive()) {
            return;
        }
        Outcome outcome = router.route(ex.request());
        if (outcome instanceof Outcome.Done done) {
            finish(ex, done.reply());
            return;
        }
        Outcome.Blocking query = (Outcome.Blocking) outcome;
        if (query.mustWait()) {
            parked.park(ex.channel(), ex.request().path(), query, reply -> finish(ex, reply));
        } else {
            finish(ex, query.render().get());
        }
    }

    private void finish(Exchange ex, Reply reply) {
        Reply out = ex.rewrite().apply(reply);
        if (ex.resetMidResponse()) {
            ResponseWriter.resetMidResponse(ex.channel(), out);
        } else {
            ResponseWriter.write(ex.channel(), out, ex.keepAlive());
        }
    }

    private static UnaryOperator<Reply> rewriteFor(Fault fault, RecordedRequest req) {
        if (fault == null) {
            return UnaryOperator.identity();
        }
        if (fault.kind() == Fault.Kind.REWRITE || (fault.kind() == Fault.Kind.OUTAGE && isClusterRead(req))) {
            return fault::rewrite;
        }
        return UnaryOperator.identity();
    }

    private static boolean isClusterRead(RecordedRequest req) {
        return req.isRead() && (req.path().startsWith("/v1/health/") || req.path().startsWith("/v1/kv/")
                || req.path().startsWith("/v1/catalog/"));
    }

    private static boolean isStale(RecordedRequest req) {
        return req.hasParam("stale") || req.hasParam("max_stale");
    }

    private RecordedRequest decode(FullHttpRequest msg) {
        String uri = msg.uri();
        int query = uri.indexOf('?');
        String rawPath = query < 0 ? uri : uri.substring(0, query);
        String rawQuery = query < 0 ? "" : uri.substring(query + 1);
        int fragment = rawQuery.indexOf('#');
        if (fragment >= 0) {
            rawQuery = rawQuery.substring(0, fragment);
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (Map.Entry<String, String> h : msg.headers()) {
            headers.computeIfAbsent(h.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(h.getValue());
        }
        return new RecordedRequest(recorder.nextSequence(), Instant.now(), System.nanoTime(),
                msg.method().name(), UriDecoding.decodePath(rawPath), uri, UriDecoding.decodeQuery(rawQuery),
                headers, ByteBufUtil.getBytes(msg.content()), null);
    }
}
