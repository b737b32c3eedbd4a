package io.canarybalancer.balancer.proxy;

import io.canarybalancer.balancer.mirror.Answer;
import io.canarybalancer.balancer.mirror.MirroredPair;
import io.canarybalancer.balancer.mirror.Mirrors;
import io.canarybalancer.balancer.mirror.RouteMirror;
import io.canarybalancer.balancer.proxy.http1.Methods;
import io.canarybalancer.balancer.proxy.http1.RequestHead;
import io.canarybalancer.balancer.proxy.http1.ResponseHead;
import io.canarybalancer.balancer.proxy.pool.BackendConnector;
import io.canarybalancer.balancer.route.BackendTls;
import io.canarybalancer.balancer.route.Replica;
import io.canarybalancer.balancer.route.ReplicaPicker;
import io.canarybalancer.balancer.route.Route;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * One request copied to a canary replica, and the pair of answers it is judged by: stable's, as
 * the {@link Exchange} relays it to the client, and the canary's to the copy, which goes nowhere
 * else. Once both are in, the pair goes to {@link Mirrors#compare}.
 *
 * <p>The copy never holds up the client's request: it is sent once the request has been read in
 * full (its body kept meanwhile, up to {@code maxBodyBytes}), on a connection of the mirror's own
 * pool, with its own timeout; whatever happens to it, the exchange does not wait and is not told.
 * Confined to the client connection's event loop, like the exchange; the mirror pool of that loop
 * hands out connections on it.
 */
final class MirrorCall implements BackendListener {
    private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LAST_CHUNK_AFTER_DATA = "\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MIRROR_FIELD = "x-canary-mirror: 1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final RouteMirror mirror;
    private final Mirrors mirrors;
    private final ProxySettings settings;
    private final BackendConnector connector;
    private final ChannelHandlerContext client;
    private final Replica canary;
    private final BackendTls tls;
    private final String method;
    private final String target;
    private final boolean headRequest;
    /** Bodiless and idempotent: safe to send again on a fresh connection when a pooled one was closed under it. */
    private final boolean replayable;
    private final AnswerCapture stableCapture;
    private final AnswerCapture canaryCapture;
    private ByteBuf head;
    private ByteBuf body;
    /** The body goes as one chunk and the last chunk (see {@link #prepare(CopyHead, int, boolean, boolean)}). */
    private boolean chunkBody;
    private String stableReplica;
    private Answer stable;
    private Answer canaryAnswer;
    /** Stable's half is over without an answer that can be compared. */
    private boolean unpaired;
    private boolean sent;
    /** The copy holds no place in flight any more (answered, failed or given up). */
    private boolean released;
    private boolean done;
    /**
     * When the request was read in full and the copy sent: both answers are timed from here to their
     * end, so that neither side's time includes the client's upload.
     */
    private long sentNanos;
    private Channel channel;
    private boolean reusedConnection;
    private boolean replayed;
    private boolean answerStarted;
    private ScheduledFuture<?> timeout;

    /** Writes the copy's HTTP/1.1 head for the canary replica at {@code host:port}, blank line included. */
    interface CopyHead {
        void write(ByteBuf out, String host, int port);
    }

    private MirrorCall(ProxyContext context, ChannelHandlerContext client, BackendConnector connector,
                       RouteMirror mirror, Replica canary, BackendTls tls, String method, CharSequence target,
                       boolean bodyless) {
        this.mirror = mirror;
        this.mirrors = context.mirrors();
        this.settings = context.settings();
        this.connector = connector;
        this.client = client;
        this.canary = canary;
        this.tls = tls;
        this.method = method;
        this.target = target.toString();
        this.headRequest = method.equals("HEAD");
        this.replayable = bodyless && Methods.idempotent(method);
        this.stableCapture = new AnswerCapture(mirror.settings().compare().headers());
        this.canaryCapture = new AnswerCapture(mirror.settings().compare().headers());
    }

    /**
     * A copy of a request for a canary replica of {@code route}, when the mirror takes the request
     * and has room for it; {@code null} otherwise (a request the mirror passes over, or one dropped
     * and counted).
     *
     * @param bodyLength the body's declared length, 0 for none, -1 when not declared (it is counted
     *                   as it arrives)
     */
    static MirrorCall of(ProxyContext context, ChannelHandlerContext client, RouteMirror mirror, Route route,
                         String method, CharSequence target, long bodyLength) {
        if (!mirror.wants(method, bodyLength)) {
            return null;
        }
        Replica canary = ReplicaPicker.pickForMirror(context.health(), route);
        if (canary == null || !mirror.reserve()) {
            return null;
        }
        BackendConnector connector = context.mirrorConnectors().apply(client.channel().eventLoop());
        return new MirrorCall(context, client, connector, mirror, canary, route.backendTls(), method, target,
                bodyLength == 0);
    }

    /** Writes the copy of an HTTP/1.1 request, as it goes to the canary, marked as a copy. */
    void prepare(RequestHead request, String clientIp, boolean overTls) {
        prepare((out, host, port) -> request.writeForBackend(out, clientIp, overTls, host, port),
                request.forwardedSizeHint() + (clientIp == null ? 0 : clientIp.length()), request.bodyless(), false);
    }

    /**
     * Writes the copy's head with {@code writer}, marked as a copy; sends it at once when there is no body.
     *
     * @param chunkBody the body's length is not declared and it arrives as plain data (HTTP/2): it
     *                  goes as one chunk, the head saying {@code chunked}
     */
    void prepare(CopyHead writer, int sizeHint, boolean bodyless, boolean chunkBody) {
        this.chunkBody = chunkBody;
        head = client.alloc().buffer(sizeHint + MIRROR_FIELD.length);
        writer.write(head, canary.host(), canary.port());
        head.writerIndex(head.writerIndex() - 2); // before the blank line that ends the head
        head.writeBytes(MIRROR_FIELD);
        if (bodyless) {
            send();
        }
    }

    /** Body bytes of the request, kept for the copy while it stays within {@code maxBodyBytes}. */
    void requestBody(ByteBuf in, int from, int to) {
        if (sent || done) {
            return;
        }
        int n = to - from;
        if (body == null) {
            body = client.alloc().buffer(Math.min(mirror.settings().maxBodyBytes(), Math.max(n, 1024)));
        }
        if (body.readableBytes() + (long) n > mirror.settings().maxBodyBytes()) {
            mirror.tooLarge(); // a chunked body that outgrew the limit (framing included): not copied after all
            giveUp();
            return;
        }
        body.writeBytes(in, from, n);
    }

    /** The request has been read in full: the copy goes now. */
    void requestEnd() {
        if (!sent && !done) {
            send();
        }
    }

    /** Stable's answer head, as it goes to the client; {@code framed} when its body passes chunked. */
    void stableHead(ResponseHead responseHead, boolean framed) {
        stableCapture.head(responseHead, framed, settings);
    }

    void stableBody(ByteBuf in, int from, int to) {
        stableCapture.body(in, from, to);
    }

    /**
     * The client's exchange is over: {@code whole} when stable's answer (from {@code replica})
     * reached the client in full. An answer the balancer made itself (stable failed) or one cut
     * short pairs with nothing.
     */
    void stableEnded(boolean whole, String replica) {
        stableReplica = replica;
        if (sent && whole && stableCapture.answered()) {
            stable = stableCapture.answer(System.nanoTime() - sentNanos);
        } else {
            unpaired = true;
        }
        if (!sent) {
            if (!done) {
                mirror.unpaired(); // the request never arrived whole: nothing was copied
                giveUp();
            }
            return;
        }
        complete();
    }

    private void send() {
        sent = true;
        sentNanos = System.nanoTime();
        mirror.sent();
        timeout = client.executor().schedule(this::timedOut, mirror.settings().timeout().toNanos(),
                TimeUnit.NANOSECONDS);
        try {
            Channel idle = connector.pollIdle(canary.address(), tls);
            if (idle != null) {
                attach(idle, true);
            } else {
                connectFresh();
            }
        } catch (RuntimeException e) {
            // Whatever goes wrong with the copy stays with the copy: the client's request goes on.
            canaryFailed("could not send the copy: " + e);
        }
    }

    private void connectFresh() {
        connector.connect(canary.address(), tls).addListener((ChannelFutureListener) future -> {
            if (canaryAnswer != null || done) {
                future.channel().close();
            } else if (future.isSuccess()) {
                attach(future.channel(), false);
            } else {
                canaryFailed(ConnectFailure.of(future.cause()).reason());
            }
        });
    }

    private void attach(Channel connection, boolean reused) {
        channel = connection;
        reusedConnection = reused;
        connection.pipeline().get(BackendHandler.class).bind(this, headRequest, false, false);
        connection.write(head.retainedDuplicate(), connection.voidPromise());
        if (chunkBody && body != null && body.isReadable()) {
            connection.write(Unpooled.copiedBuffer(Integer.toHexString(body.readableBytes()) + "\r\n",
                    StandardCharsets.US_ASCII), connection.voidPromise());
            connection.write(body.retainedDuplicate(), connection.voidPromise());
            connection.write(Unpooled.wrappedBuffer(LAST_CHUNK_AFTER_DATA), connection.voidPromise());
        } else if (chunkBody) {
            connection.write(Unpooled.wrappedBuffer(LAST_CHUNK), connection.voidPromise());
        } else if (body != null) {
            connection.write(body.retainedDuplicate(), connection.voidPromise());
        }
        connection.flush();
        connection.read();
    }

    @Override
    public void onResponseHead(ResponseHead responseHead, boolean untilClose) {
        answerStarted = true;
        canaryCapture.head(responseHead, false, settings); // bound for an HTTP/1.0 client: bodies come de-chunked
    }

    @Override
    public void onResponseBody(ByteBuf in, int from, int to) {
        canaryCapture.body(in, from, to);
    }

    @Override
    public void onResponseEnd(boolean reusable) {
        Channel connection = detach();
        if (reusable) {
            connector.release(connection);
        } else {
            connection.close();
        }
        canaryAnswered(canaryCapture.answer(System.nanoTime() - sentNanos));
    }

    @Override
    public void onBackendInvalid(String reason) {
        channel = null; // closed already
        canaryFailed(reason);
    }

    @Override
    public void onBackendReadComplete() {
        if (channel != null) {
            channel.read(); // the answer is kept only up to a bound: read on
        }
    }

    @Override
    public void onBackendWritabilityChanged() {
        // The copy is written at once, and bounded by maxBodyBytes.
    }

    @Override
    public void onBackendClosed(Throwable cause) {
        channel = null;
        if (!answerStarted && reusedConnection && replayable && !replayed) {
            // A pooled connection the canary had already closed: the copy never reached it.
            replayed = true;
            connectFresh();
            return;
        }
        canaryFailed(answerStarted ? "the canary closed the connection mid-answer"
                : "the canary closed the connection before answering");
    }

    private void timedOut() {
        timeout = null;
        if (canaryAnswer == null && !done) {
            Channel connection = detach();
            if (connection != null) {
                connection.close();
            }
            canaryFailed("no answer within " + mirror.settings().timeout().toMillis() + " ms");
        }
    }

    private Channel detach() {
        Channel connection = channel;
        channel = null;
        if (connection != null) {
            connection.pipeline().get(BackendHandler.class).unbind();
        }
        return connection;
    }

    private void canaryFailed(String reason) {
        canaryAnswered(Answer.failed(reason, System.nanoTime() - sentNanos));
    }

    private void canaryAnswered(Answer answer) {
        if (canaryAnswer != null || done) {
            return;
        }
        canaryAnswer = answer;
        if (timeout != null) {
            timeout.cancel(false);
            timeout = null;
        }
        // The canary is done with the copy: its place and bytes go now, not when stable's answer ends.
        releaseBuffers();
        releasePlace();
        complete();
    }

    /** Both halves in: compare them, or count a pair that has no stable half. */
    private void complete() {
        if (done || canaryAnswer == null || stable == null && !unpaired) {
            return;
        }
        done = true;
        if (unpaired) {
            mirror.unpaired();
        } else {
            mirrors.compare(mirror, new MirroredPair(method, target, stableReplica, canary.id(), stable, canaryAnswer));
        }
    }

    /** The copy is not sent after all: its place and bytes go. */
    private void giveUp() {
        done = true;
        releaseBuffers();
        releasePlace();
    }

    private void releasePlace() {
        if (!released) {
            released = true;
            mirror.release();
        }
    }

    private void releaseBuffers() {
        if (head != null) {
            head.release();
            head = null;
        }
        if (body != null) {
            body.release();
            body = null;
        }
    }
}
