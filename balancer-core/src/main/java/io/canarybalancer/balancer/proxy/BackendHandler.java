package io.canarybalancer.balancer.proxy;

import io.canarybalancer.balancer.proxy.http1.BodyFraming;
import io.canarybalancer.balancer.proxy.http1.HeadBuffer;
import io.canarybalancer.balancer.proxy.http1.ResponseHead;
import io.canarybalancer.balancer.proxy.http1.UpgradeProtocols;
import io.canarybalancer.balancer.proxy.pool.BackendPool;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * The only handler of a backend connection: reads the responses in place ({@link HeadBuffer},
 * {@link ResponseHead}, {@link BodyFraming}) and hands their head and body bytes to the exchange
 * that holds the connection. A pooled connection belongs to no exchange; anything it receives then
 * is unsolicited, so the connection is closed rather than trusted for the next request. So are
 * bytes a backend sends beyond the end of its answer.
 *
 * <p>A {@code 101 Switching Protocols} to an upgrade request makes the connection half of a
 * {@link Tunnel}: from then on its bytes go there unread. A {@code 101} nobody asked for is invalid.
 *
 * <p>A pooled connection left idle for {@code timeouts.backendIdle} is closed, by one task per
 * connection that is re-armed by timestamp, not a timer per request.
 *
 * <p>Confined to the connection's event loop, which is also the loop of the client connection that
 * binds it, so nothing here needs synchronisation.
 */
final class BackendHandler extends ChannelInboundHandlerAdapter implements BodyFraming.Sink {
    private final HeadBuffer headBuffer;
    private final ResponseHead head;
    private final BodyFraming body;
    private final long idleNanos;
    private ChannelHandlerContext ctx;
    private BackendListener owner;
    private boolean headRequest;
    private boolean http11Client;
    private final UpgradeProtocols upgrades;
    /** The request asks to switch protocols: a {@code 101} may answer it. */
    private boolean upgrade;
    /** Set once the connection switched protocols: everything read goes there. */
    private Tunnel tunnel;
    /** Between a response head and the end of its body. */
    private boolean inBody;
    private boolean untilClose;
    /** The answer to the bound request has ended: whatever the backend sends now, nobody asked for. */
    private boolean answered;
    private ByteBuf current;
    private long idleSince;
    private ScheduledFuture<?> idleCheck;

    BackendHandler(ProxySettings settings) {
        this.upgrades = settings.upgrades();
        this.headBuffer = new HeadBuffer(settings.maxInitialLineLength(), settings.maxHeaderSize(), 502);
        this.head = new ResponseHead(Math.max(256, settings.maxHeaderCount()));
        this.body = new BodyFraming(settings.maxInitialLineLength(), settings.maxHeaderSize());
        this.idleNanos = settings.backendIdleTimeout().toNanos();
    }

    /**
     * Gives the connection to an exchange, for one request.
     *
     * @param headRequest  the request is a {@code HEAD}: its response has no body, whatever it declares
     * @param http11Client the client speaks HTTP/1.1: a chunked body reaches it chunked, else de-chunked
     * @param upgrade      the request asks to switch protocols, so a {@code 101} may answer it
     */
    void bind(BackendListener listener, boolean headRequest, boolean http11Client, boolean upgrade) {
        this.owner = listener;
        this.headRequest = headRequest;
        this.http11Client = http11Client;
        this.upgrade = upgrade;
        this.inBody = false;
        this.untilClose = false;
        this.answered = false;
        headBuffer.reset();
    }

    /** The connection switched protocols: what it reads from now on is the tunnel's, unread. */
    void tunnel(Tunnel tunnel) {
        this.owner = null;
        this.tunnel = tunnel;
    }

    void unbind() {
        this.owner = null;
        if (ctx != null && ctx.channel().isActive()) {
            idleSince = ctx.executor().ticker().nanoTime();
            if (idleCheck == null) {
                idleCheck = ctx.executor().schedule(this::checkIdle, idleNanos, TimeUnit.NANOSECONDS);
            }
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (tunnel != null) {
            tunnel.fromBackend(in);
            return;
        }
        try {
            int index = in.readerIndex();
            int end = in.writerIndex();
            while (index < end) {
                if (owner == null || answered) {
                    BackendPool.retire(ctx.channel()); // unsolicited: nobody asked, so nobody can trust what follows
                    return;
                }
                index = inBody ? readBody(in, index, end) : readHead(in, index, end);
                if (index < 0) {
                    return;
                }
            }
        } finally {
            in.release();
        }
    }

    private int readHead(ByteBuf in, int from, int to) {
        int end = headBuffer.append(in, from, to);
        if (end == HeadBuffer.MORE) {
            return to;
        }
        if (end == HeadBuffer.FAILED) {
            invalid("backend sent an invalid response: " + headBuffer.problem());
            return -1;
        }
        if (!head.read(headBuffer)) {
            invalid(head.ambiguous() ? "backend sent an ambiguous response: " + head.problem()
                    : "backend sent an invalid response: " + head.problem());
            return -1;
        }
        headBuffer.reset();
        if (head.switchingProtocols()) {
            return switchProtocols(in, end, to);
        }
        if (head.informational()) {
            return end; // interim answers (100 Continue) are the balancer's own business with the client
        }
        if (headRequest || head.bodylessStatus()) {
            body.expectLength(0);
        } else if (head.chunked()) {
            body.expectChunked(http11Client);
        } else if (head.contentLength() >= 0) {
            body.expectLength(head.contentLength());
        } else {
            body.expectUntilClose();
        }
        untilClose = !headRequest && !head.bodylessStatus() && !head.chunked() && head.contentLength() < 0;
        inBody = true;
        owner.onResponseHead(head, untilClose);
        if (body.done()) {
            endOfResponse(end < to);
        }
        return end;
    }

    private int switchProtocols(ByteBuf in, int from, int to) {
        if (!upgrade) {
            invalid("backend sent an invalid response: 101 Switching Protocols to a request that did not ask for it");
            return -1;
        }
        if (!head.switchesTo(upgrades)) {
            invalid("backend sent an invalid response: 101 Switching Protocols that does not name "
                    + "a protocol upgrades lists (Upgrade: " + head.upgradeField() + ")");
            return -1;
        }
        owner.onResponseHead(head, false); // the exchange makes the tunnel, see tunnel()
        if (tunnel == null) {
            ctx.close(); // the exchange was over already
            return -1;
        }
        if (from < to) {
            tunnel.fromBackend(in.retainedSlice(from, to - from)); // the new protocol's first bytes
        }
        return to;
    }

    private int readBody(ByteBuf in, int from, int to) {
        current = in;
        int end = body.scan(in, from, to, this);
        current = null;
        if (end < 0) {
            invalid("backend sent an invalid response body: " + body.problem());
            return -1;
        }
        if (body.done()) {
            endOfResponse(end < to);
        }
        return end;
    }

    /**
     * Reports the end of the response. Bytes that follow it in the same read were not asked for:
     * the connection is then not reusable, and is closed when they are met (see channelRead).
     */
    private void endOfResponse(boolean bytesFollow) {
        inBody = false;
        answered = true; // the exchange may hold the connection a while yet (a request body still coming)
        BackendListener listener = owner;
        if (listener != null) {
            listener.onResponseEnd(!untilClose && !bytesFollow && head.keepAlive());
        }
    }

    @Override
    public void forward(int from, int to) {
        if (owner != null) {
            owner.onResponseBody(current, from, to);
        }
    }

    private void invalid(String reason) {
        BackendListener listener = owner;
        owner = null;
        ctx.close();
        if (listener != null) {
            listener.onBackendInvalid(reason);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (tunnel != null) {
            tunnel.backendReadComplete();
        } else if (owner != null) {
            owner.onBackendReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (tunnel != null) {
            if (ctx.channel().isWritable()) {
                tunnel.backendWritable();
            }
        } else if (owner != null) {
            owner.onBackendWritabilityChanged();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelIdleCheck();
        if (tunnel != null) {
            tunnel.backendClosed();
            return;
        }
        if (inBody && untilClose && owner != null) {
            endOfResponse(false); // a close-delimited body ends with the connection
        }
        BackendListener listener = owner;
        owner = null;
        if (listener != null) {
            listener.onBackendClosed(null);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        BackendListener listener = owner;
        owner = null;
        ctx.close();
        if (listener != null) {
            listener.onBackendClosed(cause);
        }
    }

    private void checkIdle() {
        idleCheck = null;
        if (owner != null || tunnel != null || !ctx.channel().isActive()) {
            return; // in use: the next unbind arms the check again
        }
        long left = idleSince + idleNanos - ctx.executor().ticker().nanoTime();
        if (left <= 0) {
            BackendPool.retire(ctx.channel()); // idle in the pool for too long: our doing, not the backend's
        } else {
            idleCheck = ctx.executor().schedule(this::checkIdle, left, TimeUnit.NANOSECONDS);
        }
    }

    private void cancelIdleCheck() {
        if (idleCheck != null) {
            idleCheck.cancel(false);
            idleCheck = null;
        }
    }
}
