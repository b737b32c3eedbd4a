package io.canarybalancer.balancer.proxy;

import io.canarybalancer.balancer.proxy.http2.Http2Request;
import io.canarybalancer.balancer.proxy.pool.Http2Backends;
import io.canarybalancer.balancer.route.Replica;
import io.canarybalancer.balancer.route.Route;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;


/**
 * A client stream relayed as a stream of its own to an HTTP/2 replica ({@code backendProtocol: h2c}
 * or {@code h2}): headers, DATA frames and trailers pass through as they are, with the forwarding
 * fields set (see {@link Http2Request#forHttp2Backend}), so gRPC calls, streaming both ways, keep
 * their framing and trailers. A reset from the backend resets the client's stream with the same
 * code, once the answer started; closing this side resets the backend's stream.
 */
final class Http2StreamBackend extends ChannelInboundHandlerAdapter implements StreamBackend {
    private final StreamExchange exchange;
    private final Http2Backends backends;
    private final Route route;
    private final Replica replica;
    private final Http2Request request;
    private final String clientIp;
    private final boolean overTls;
    private Future<Http2StreamChannel> opening;
    private Http2StreamChannel stream;
    private BackendState state = BackendState.AWAITING_HEAD;
    /** The request's end (END_STREAM) went on the stream: the backend has all of it. */
    private boolean endStreamSent;
    /** The backend's GOAWAY left this stream out: it was never processed, so it may go elsewhere. */
    private boolean goneAway;

    Http2StreamBackend(StreamExchange exchange, Http2Backends backends, Route route, Replica replica,
                       Http2Request request, String clientIp, boolean overTls) {
        this.exchange = exchange;
        this.backends = backends;
        this.route = route;
        this.replica = replica;
        this.request = request;
        this.clientIp = clientIp;
        this.overTls = overTls;
    }

    @Override
    public void start() {
        opening = backends.open(replica.address(), route.backendTls(), this);
        opening.addListener(opened -> {
            if (state == BackendState.CLOSED) {
                return; // the open future closes a stream nobody takes
            }
            if (opened.isSuccess()) {
                attach((Http2StreamChannel) opened.getNow());
            } else if (opened.cause() instanceof Http2Backends.Saturated saturated) {
                exchange.unwell(HttpResponseStatus.SERVICE_UNAVAILABLE, saturated.getMessage(), false);
            } else if (!opened.isCancelled()) {
                ConnectFailure failure = ConnectFailure.of(opened.cause());
                exchange.unwell(failure.status(), failure.reason(), true);
            }
        });
    }

    private void attach(Http2StreamChannel channel) {
        stream = channel;
        endStreamSent = request.bodyless();
        stream.write(new DefaultHttp2HeadersFrame(request.forHttp2Backend(clientIp, overTls), endStreamSent));
        stream.read();
        exchange.attached();
    }

    @Override
    public void requestData(ByteBuf data, boolean last) {
        if (stream == null || state == BackendState.CLOSED) {
            data.release();
            return;
        }
        endStreamSent = last;
        stream.write(new DefaultHttp2DataFrame(data, last));
    }

    @Override
    public void requestTrailers(Http2Headers trailers) {
        if (stream != null && state != BackendState.CLOSED) {
            endStreamSent = true;
            stream.write(new DefaultHttp2HeadersFrame(trailers, true));
        }
    }

    @Override
    public void flush() {
        if (stream != null && state != BackendState.CLOSED) {
            stream.flush();
        }
    }

    @Override
    public boolean writable() {
        return stream != null && stream.isWritable();
    }

    @Override
    public void read() {
        if (stream != null && state != BackendState.COMPLETE) {
            stream.read();
        }
    }

    /** Both sides ended their half of the stream: it is closed already, and its connection serves others. */
    @Override
    public void finish() {
        state = state.to(BackendState.CLOSED);
        if (stream != null && !endStreamSent) {
            stream.close(); // the answer came before the whole body: reset the backend's stream
        }
        stream = null;
    }

    @Override
    public void abort() {
        state = state.to(BackendState.CLOSED);
        if (opening != null) {
            opening.cancel(false);
        }
        if (stream != null) {
            stream.close(); // an open stream is reset (CANCEL)
            stream = null;
        }
    }

    // ---- the backend stream's events ----

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == BackendState.CLOSED) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof Http2HeadersFrame frame) {
            Http2Headers headers = frame.headers();
            if (state == BackendState.AWAITING_HEAD) {
                CharSequence status = headers.status();
                if (status != null && status.length() == 3 && status.charAt(0) == '1') {
                    return; // an interim answer (100 Continue, 103 Early Hints): the final one follows
                }
                state = state.to(frame.isEndStream() ? BackendState.COMPLETE : BackendState.STREAMING);
                exchange.responseHeaders(headers, frame.isEndStream());
            } else {
                state = state.to(BackendState.COMPLETE);
                exchange.responseTrailers(headers);
            }
        } else if (msg instanceof Http2DataFrame data) {
            if (data.isEndStream()) {
                state = state.to(BackendState.COMPLETE);
            }
            exchange.responseData(data.content(), data.isEndStream());
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (state != BackendState.CLOSED) {
            exchange.backendReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (state != BackendState.CLOSED && ctx.channel().isWritable()) {
            exchange.backendWritable();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2ResetFrame reset && state != BackendState.CLOSED) {
            Http2Error code = Http2Error.valueOf(reset.errorCode());
            stream = null; // reset: nothing more goes on it
            if (code == Http2Error.REFUSED_STREAM && state == BackendState.AWAITING_HEAD) {
                exchange.notProcessed("backend refused the stream (REFUSED_STREAM)");
            } else {
                exchange.backendFailed(code == null ? Http2Error.INTERNAL_ERROR : code);
            }
        } else if (evt instanceof Http2GoAwayFrame) {
            // Only streams above the GOAWAY's last stream ID hear of it: this one was not processed.
            goneAway = true;
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (state == BackendState.AWAITING_HEAD || state == BackendState.STREAMING) {
            stream = null;
            if (goneAway && state == BackendState.AWAITING_HEAD) {
                exchange.notProcessed("backend is going away (GOAWAY) and did not take the stream");
            } else if (state == BackendState.STREAMING) {
                exchange.backendFailed(Http2Error.INTERNAL_ERROR);
            } else {
                // GOAWAY before the stream was taken, or the connection broke: the request may go elsewhere.
                exchange.unwell(HttpResponseStatus.BAD_GATEWAY, "backend closed the stream before answering", true);
            }
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
