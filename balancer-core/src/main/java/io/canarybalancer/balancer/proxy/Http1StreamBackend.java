package io.canarybalancer.balancer.proxy;

import io.canarybalancer.balancer.proxy.http1.ResponseHead;
import io.canarybalancer.balancer.proxy.http2.Http2Request;
import io.canarybalancer.balancer.proxy.pool.BackendConnector;
import io.canarybalancer.balancer.route.Replica;
import io.canarybalancer.balancer.route.Route;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

import java.util.Map;

/**
 * An HTTP/2 client stream sent to an HTTP/1.1 replica over a pooled connection, read by the same
 * {@link BackendHandler} as HTTP/1.1 requests: the stream's fields become an HTTP/1.1 head (see
 * {@link Http2Request#writeHttp1}), a body of undeclared length goes chunked, and the answer's head
 * becomes HTTP/2 fields, its body (de-chunked) DATA frames.
 */
final class Http1StreamBackend implements StreamBackend, BackendListener {
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LAST_CHUNK = {'0', '\r', '\n', '\r', '\n'};

    private final StreamExchange exchange;
    private final BackendConnector connector;
    private final Route route;
    private final Replica replica;
    private final Http2Request request;
    private final String clientIp;
    private final boolean overTls;
    /** The body's length is not declared: it goes chunked. */
    private final boolean chunked;
    private Channel channel;
    private BackendHandler handler;
    private ByteBuf head;
    /** The current connection came from the pool: the backend may have closed it before it got the head. */
    private boolean reused;
    /** The request went again on a fresh connection once already, after a pooled one closed under it. */
    private boolean replayed;
    /** The answer left the connection fit for the pool. */
    private boolean reusable;
    private BackendState state = BackendState.AWAITING_HEAD;

    Http1StreamBackend(StreamExchange exchange, BackendConnector connector, Route route, Replica replica,
                       Http2Request request, String clientIp, boolean overTls) {
        this.exchange = exchange;
        this.connector = connector;
        this.route = route;
        this.replica = replica;
        this.request = request;
        this.clientIp = clientIp;
        this.overTls = overTls;
        this.chunked = !request.bodyless() && request.contentLength() < 0;
    }

    @Override
    public void start() {
        if (!connector.reserve(replica.address())) {
            exchange.atCapacity();
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
        connector.connect(replica.address(), route.backendTls()).addListener((ChannelFutureListener) future -> {
            if (state == BackendState.CLOSED) {
                future.channel().close(); // the exchange ended while we were connecting
            } else if (future.isSuccess()) {
                attach(future.channel(), false);
            } else {
                ConnectFailure failure = ConnectFailure.of(future.cause());
                exchange.unwell(failure.status(), failure.reason(), true);
            }
        });
    }

    private void attach(Channel connection, boolean fromPool) {
        channel = connection;
        reused = fromPool;
        handler = connection.pipeline().get(BackendHandler.class);
        handler.bind(this, request.isHead(), false, false);
        if (head == null) {
            head = connection.alloc().directBuffer(512);
            request.writeHttp1(head, chunked, clientIp, overTls, replica.host(), replica.port());
        }
        connection.write(head.retainedDuplicate(), connection.voidPromise());
        connection.read();
        exchange.attached();
    }

    @Override
    public void requestData(ByteBuf data, boolean last) {
        if (channel == null || state == BackendState.CLOSED) {
            data.release();
            return;
        }
        if (!chunked) {
            channel.write(data, channel.voidPromise());
        } else if (data.isReadable()) {
            ByteBuf size = channel.alloc().buffer(10);
            ByteBufUtil.writeAscii(size, Integer.toHexString(data.readableBytes()));
            channel.write(size.writeBytes(CRLF), channel.voidPromise());
            channel.write(data, channel.voidPromise());
            channel.write(Unpooled.wrappedBuffer(CRLF), channel.voidPromise());
        } else {
            data.release();
        }
        if (last && chunked) {
            channel.write(Unpooled.wrappedBuffer(LAST_CHUNK), channel.voidPromise());
        }
    }

    /** Trailers go as the chunked body's trailer section; a body of declared length has none, so they are dropped. */
    @Override
    public void requestTrailers(Http2Headers trailers) {
        if (channel == null || state == BackendState.CLOSED || !chunked) {
            return;
        }
        ByteBuf out = channel.alloc().buffer(256);
        out.writeByte('0').writeBytes(CRLF);
        for (Map.Entry<CharSequence, CharSequence> field : trailers) {
            if (field.getKey().length() > 0 && field.getKey().charAt(0) != ':') {
                ByteBufUtil.writeAscii(out, field.getKey());
                out.writeByte(':').writeByte(' ');
                ByteBufUtil.writeAscii(out, field.getValue());
                out.writeBytes(CRLF);
            }
        }
        channel.write(out.writeBytes(CRLF), channel.voidPromise());
    }

    @Override
    public void flush() {
        if (channel != null && state != BackendState.CLOSED) {
            channel.flush();
        }
    }

    @Override
    public boolean writable() {
        return channel != null && channel.isWritable();
    }

    @Override
    public void read() {
        if (channel != null && state != BackendState.COMPLETE) {
            channel.read();
        }
    }

    @Override
    public void finish() {
        state = state.to(BackendState.CLOSED);
        releaseHead();
        if (channel != null) {
            handler.unbind();
            if (reusable) {
                connector.release(channel);
            } else {
                channel.close();
            }
            channel = null;
        }
    }

    @Override
    public void abort() {
        state = state.to(BackendState.CLOSED);
        releaseHead();
        if (channel != null) {
            handler.unbind();
            channel.close();
            channel = null;
        }
    }

    private void releaseHead() {
        if (head != null) {
            head.release();
            head = null;
        }
    }

    // ---- the backend connection's events ----

    @Override
    public void onResponseHead(ResponseHead response, boolean untilClose) {
        if (state == BackendState.CLOSED) {
            return;
        }
        state = state.to(BackendState.STREAMING);
        exchange.stableHead(response);
        Http2Headers headers = new DefaultHttp2Headers(false);
        headers.status(AsciiString.of(Integer.toString(response.code())));
        response.forEachKept((name, value) -> headers.add(AsciiString.of(name).toLowerCase(), value));
        exchange.responseHeaders(headers, false);
    }

    @Override
    public void onResponseBody(ByteBuf in, int from, int to) {
        if (state != BackendState.CLOSED) {
            exchange.stableBody(in, from, to);
            exchange.responseData(in.retainedSlice(from, to - from), false);
        }
    }

    @Override
    public void onResponseEnd(boolean canBeReused) {
        if (state == BackendState.CLOSED) {
            return;
        }
        state = state.to(BackendState.COMPLETE);
        reusable = canBeReused;
        exchange.responseData(Unpooled.EMPTY_BUFFER, true);
    }

    @Override
    public void onBackendInvalid(String reason) {
        channel = null; // closed already
        backendFailed(reason);
    }

    @Override
    public void onBackendReadComplete() {
        if (state != BackendState.CLOSED) {
            exchange.backendReadComplete();
        }
    }

    @Override
    public void onBackendWritabilityChanged() {
        if (state != BackendState.CLOSED) {
            exchange.backendWritable();
        }
    }

    @Override
    public void onBackendClosed(Throwable cause) {
        if (state == BackendState.CLOSED || channel == null) {
            return;
        }
        channel = null;
        if (state == BackendState.COMPLETE) {
            return;
        }
        if (state == BackendState.AWAITING_HEAD && reused && request.replayable() && !replayed) {
            // A pooled connection the backend had already closed: the request never reached it.
            replayed = true;
            if (connector.reserve(replica.address())) {
                connectFresh();
            } else {
                exchange.atCapacity();
            }
            return;
        }
        backendFailed(state == BackendState.STREAMING ? "backend closed the connection mid-response"
                : "backend closed the connection before answering");
    }

    private void backendFailed(String reason) {
        if (state == BackendState.CLOSED) {
            return;
        }
        if (state != BackendState.AWAITING_HEAD) {
            exchange.backendFailed(Http2Error.INTERNAL_ERROR);
        } else {
            // A pooled connection closing under us is the keep-alive race, not a sick replica.
            exchange.unwell(HttpResponseStatus.BAD_GATEWAY, reason, !reused);
        }
    }
}
