package io.canarybalancer.balancer.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;

import java.util.ArrayDeque;
import java.util.List;

/**
 * The client side's HTTP codec: Netty's request decoder and response encoder, like
 * {@code HttpServerCodec}, but a request head that {@link RequestValidator} refuses, or that
 * contains an obs-fold (a header line continued on the next line), comes out with a failed
 * {@link DecoderResult} whose cause is an {@link InvalidRequestException}; the connection's
 * remaining bytes are then discarded, as it is about to be closed.
 *
 * <p>Netty joins obs-fold lines into one value and leaves no trace of it in the decoded head, so the
 * decoder watches the raw head bytes for a line that starts with a space or tab.
 *
 * <p>Like {@code HttpServerCodec} (final, so not extended), the encoder knows which request each
 * response answers, so a response to {@code HEAD} goes out without a body. Both halves run on the
 * connection's event loop and share the method queue without synchronisation.
 */
final class StrictServerCodec extends CombinedChannelDuplexHandler<HttpRequestDecoder, HttpResponseEncoder> {
    /** Methods of the requests decoded and not yet answered, oldest first. */
    private final ArrayDeque<HttpMethod> methods = new ArrayDeque<>(4);
    private final int maxHeaderCount;

    StrictServerCodec(HttpDecoderConfig config, int maxHeaderCount) {
        this.maxHeaderCount = maxHeaderCount;
        init(new Decoder(config), new Encoder());
    }

    private final class Decoder extends HttpRequestDecoder {
        /** Whether the bytes ahead belong to a request head (between two messages, or inside a head). */
        private boolean inHead = true;
        /** Readable bytes at the front of the input already scanned (the decoder keeps partial lines). */
        private int scanned;
        private int linesInHead;
        private int lineLength;
        private boolean folded;
        private boolean discarding;

        Decoder(HttpDecoderConfig config) {
            super(config);
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
            if (discarding) {
                in.skipBytes(in.readableBytes());
                return;
            }
            scanHead(in);
            int readable = in.readableBytes();
            int first = out.size();
            super.decode(ctx, in, out);
            scanned = Math.max(0, scanned - (readable - in.readableBytes()));
            for (int i = first; i < out.size(); i++) {
                Object msg = out.get(i);
                if (msg instanceof HttpRequest request) {
                    methods.add(request.method());
                    check(request);
                }
                if (msg instanceof LastHttpContent) {
                    startHead(); // the next byte begins the next request
                }
            }
        }

        private void check(HttpRequest request) {
            if (request.decoderResult().isSuccess()) {
                InvalidRequestException invalid = folded
                        ? new InvalidRequestException(HttpResponseStatus.BAD_REQUEST,
                                "a header line continued on the next line (obs-fold)")
                        : RequestValidator.check(request, maxHeaderCount);
                if (invalid != null) {
                    request.setDecoderResult(DecoderResult.failure(invalid));
                }
            }
            if (request.decoderResult().isFailure()) {
                discarding = true; // the answer closes the connection; nothing after this is read
            }
        }

        /** Scans the head bytes not seen yet for a line, after the request line, that starts with SP or HTAB. */
        private void scanHead(ByteBuf in) {
            int end = in.writerIndex();
            for (int i = in.readerIndex() + scanned; inHead && i < end; i++) {
                byte b = in.getByte(i);
                scanned++;
                if (b == '\n') {
                    if (lineLength > 0) {
                        linesInHead++;
                    } else if (linesInHead > 0) {
                        inHead = false; // the empty line: the body, if any, follows
                    }
                    lineLength = 0;
                } else if (b != '\r') {
                    if (lineLength == 0 && linesInHead > 0 && (b == ' ' || b == '\t')) {
                        folded = true;
                    }
                    lineLength++;
                }
            }
        }

        private void startHead() {
            inHead = true;
            scanned = 0;
            linesInHead = 0;
            lineLength = 0;
            folded = false;
        }
    }

    private final class Encoder extends HttpResponseEncoder {
        @Override
        protected boolean isContentAlwaysEmpty(HttpResponse msg) {
            if (msg.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                return super.isContentAlwaysEmpty(msg); // an interim answer: the request still awaits its response
            }
            HttpMethod method = methods.poll();
            return HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(msg);
        }
    }
}
