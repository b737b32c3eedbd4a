package io.canarybalancer.balancer.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

import java.nio.channels.ClosedChannelException;

/**
 * Sits between the codec and {@link FrontendHandler} and stops a request whose body turns out to be
 * malformed (a bad chunk size, chunk extension or chunk terminator): its head was valid and may
 * already be on its way to a backend, since bodies stream.
 *
 * <p>On such a body part the guard answers 400 itself when that is still unambiguous (the request
 * is the only one unanswered and no response is half written), otherwise it just closes, and from
 * then on it drops everything in both directions. It also withholds the read batch's
 * {@code channelReadComplete}, the event on which the frontend flushes what it wrote to the
 * backend: what the exchange wrote in this batch stays unflushed and is discarded when the client
 * connection's close aborts the exchange. So a malformed request that arrives in one piece never
 * reaches a backend; one whose bad part comes later leaves the backend with an incomplete request
 * on a connection that is closed.
 *
 * <p>Ownership: a broken body part is released here; everything else is passed on untouched
 * until the guard has rejected, and released here after.
 */
final class RequestBodyGuard extends ChannelDuplexHandler {
    /** Requests passed on whose final response head has not been written yet. */
    private int unanswered;
    /** A response head went out and its last part not yet. */
    private boolean responseOpen;
    private boolean rejected;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (rejected) {
            ReferenceCountUtil.release(msg);
            return;
        }
        // A failed head, even one that is a FullHttpRequest as Netty makes them, is the frontend's to answer.
        if (msg instanceof HttpContent content && !(msg instanceof HttpRequest) && content.decoderResult().isFailure()) {
            Throwable cause = content.decoderResult().cause();
            content.release(); // nobody downstream may see a broken body part
            reject(ctx, cause);
            return;
        }
        if (msg instanceof HttpRequest) {
            unanswered++;
        }
        ctx.fireChannelRead(msg); // hand-off
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!rejected) {
            ctx.fireChannelReadComplete();
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (rejected) {
            ReferenceCountUtil.release(msg); // the connection is closing; nothing more goes out
            promise.tryFailure(new ClosedChannelException());
            return;
        }
        if (msg instanceof HttpResponse response && response.status().codeClass() != HttpStatusClass.INFORMATIONAL) {
            unanswered--;
            responseOpen = true;
        }
        if (msg instanceof LastHttpContent) {
            responseOpen = false;
        }
        ctx.write(msg, promise); // hand-off
    }

    private void reject(ChannelHandlerContext ctx, Throwable cause) {
        rejected = true;
        if (unanswered == 1 && !responseOpen) {
            ctx.writeAndFlush(ErrorResponses.json(ctx.alloc(), HttpResponseStatus.BAD_REQUEST,
                    ErrorResponses.message("malformed request body: " + cause.getMessage()), true))
                    .addListener(ChannelFutureListener.CLOSE);
        } else {
            // Flushing an empty buffer first lets what is already queued go out before the close.
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
