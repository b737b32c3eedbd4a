package io.canarybalancer.balancer.proxy;

import io.canarybalancer.balancer.metrics.TrafficStats.TunnelCounters;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A client connection and a backend connection after the backend switched protocols ({@code 101},
 * a WebSocket for instance): from then on bytes pass as they are, both ways, until either side
 * closes. Neither handler parses anything any more; each hands its reads here.
 *
 * <p>Backpressure as in the exchange: a side is read again only while the other side's outbound
 * buffer is below its high-water mark, so a fast sender and a slow reader hold at most a read's
 * worth in the balancer. A tunnel that carries nothing either way for {@code timeouts.tunnelIdle}
 * is closed, by one task re-armed by timestamp. When one side closes, the other is closed once what
 * was sent to it is out, or after {@code timeouts.stall} if it stopped reading.
 *
 * <p>Both connections share one event loop (the backend was opened on the client's), so nothing
 * here needs synchronisation.
 */
final class Tunnel {
    private final ChannelHandlerContext client;
    private final Channel backend;
    private final TunnelCounters counters;
    private final long idleNanos;
    private final long closeGraceNanos;
    private long lastActive;
    private ScheduledFuture<?> idleCheck;
    private boolean closed;

    /**
     * @param idle       how long the tunnel may carry nothing either way ({@code timeouts.tunnelIdle})
     * @param closeGrace how long a side has to take what is left for it once the other side closed
     *                   ({@code timeouts.stall})
     */
    Tunnel(ChannelHandlerContext client, Channel backend, TunnelCounters counters, Duration idle,
           Duration closeGrace) {
        this.client = client;
        this.backend = backend;
        this.counters = counters;
        this.idleNanos = idle.toNanos();
        this.closeGraceNanos = closeGrace.toNanos();
    }

    /**
     * Starts relaying. {@code early} is what the client sent after its upgrade request, before the
     * answer (or {@code null}); it goes first. The backend's first bytes, if they came with its
     * {@code 101}, follow through {@link #fromBackend}.
     */
    void open(ByteBuf early) {
        lastActive = now();
        idleCheck = client.executor().schedule(this::checkIdle, idleNanos, TimeUnit.NANOSECONDS);
        if (early != null) {
            fromClient(early);
            clientReadComplete();
        } else {
            client.read();
        }
    }

    /** Bytes from the client, which this takes over. */
    void fromClient(ByteBuf in) {
        if (closed) {
            in.release();
            return;
        }
        lastActive = now();
        counters.clientToBackend(in.readableBytes());
        backend.write(in, backend.voidPromise());
    }

    void clientReadComplete() {
        if (closed) {
            return;
        }
        backend.flush();
        if (backend.isWritable()) {
            client.read();
        } // else the backend's writability change reads the client again
    }

    /** Bytes from the backend, which this takes over. */
    void fromBackend(ByteBuf in) {
        if (closed) {
            in.release();
            return;
        }
        lastActive = now();
        counters.backendToClient(in.readableBytes());
        client.write(in, client.voidPromise());
    }

    void backendReadComplete() {
        if (closed) {
            return;
        }
        client.flush();
        if (client.channel().isWritable()) {
            backend.read();
        }
    }

    /** The client's outbound buffer drained: the backend may be read again. */
    void clientWritable() {
        if (!closed) {
            backend.read();
        }
    }

    /** The backend's outbound buffer drained: the client may be read again. */
    void backendWritable() {
        if (!closed) {
            client.read();
        }
    }

    /** The client shut its sending side: so does the backend connection, once what the client sent is out. */
    void clientInputClosed() {
        if (closed) {
            return;
        }
        if (backend instanceof DuplexChannel duplex) {
            backend.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(written -> duplex.shutdownOutput());
        } else {
            clientClosed();
        }
    }

    /** The client connection closed: the backend's closes once what the client sent is out. */
    void clientClosed() {
        if (close()) {
            closeAfterWrites(backend);
        }
    }

    /** The backend connection closed: the client's closes once what the backend sent is out. */
    void backendClosed() {
        if (close()) {
            closeAfterWrites(client.channel());
        }
    }

    private void closeAfterWrites(Channel peer) {
        Channels.closeOnFlush(peer);
        // A peer that stopped reading would hold those writes, and its connection, for ever.
        client.executor().schedule(() -> peer.close(), closeGraceNanos, TimeUnit.NANOSECONDS);
    }

    /** Whether the tunnel was open until now. */
    private boolean close() {
        if (closed) {
            return false;
        }
        closed = true;
        counters.closed();
        if (idleCheck != null) {
            idleCheck.cancel(false);
            idleCheck = null;
        }
        return true;
    }

    private void checkIdle() {
        idleCheck = null;
        if (closed) {
            return;
        }
        long left = lastActive + idleNanos - now();
        if (left > 0) {
            idleCheck = client.executor().schedule(this::checkIdle, left, TimeUnit.NANOSECONDS);
            return;
        }
        close();
        client.close();
        backend.close();
    }

    private long now() {
        return client.executor().ticker().nanoTime();
    }
}
