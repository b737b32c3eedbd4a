package io.canarybalancer.balancer.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.Mapping;

import java.util.function.Consumer;

/**
 * Netty's {@link SniHandler}: reads the ClientHello, asks the mapping for the context of the
 * server name, and replaces itself by that context's {@link SslHandler}. Here it also reports
 * the handshake's failure, so failures are counted, not logged as errors one by one.
 */
final class TlsHandshake extends SniHandler {
    private final Consumer<Throwable> failed;

    TlsHandshake(Mapping<? super String, ? extends SslContext> mapping, long handshakeTimeoutMillis,
                 Consumer<Throwable> failed) {
        super(mapping, handshakeTimeoutMillis);
        this.failed = failed;
    }

    @Override
    protected SslHandler newSslHandler(SslContext context, ByteBufAllocator allocator) {
        SslHandler handler = super.newSslHandler(context, allocator);
        handler.handshakeFuture().addListener(future -> {
            if (!future.isSuccess()) {
                failed.accept(future.cause());
            }
        });
        return handler;
    }
}
