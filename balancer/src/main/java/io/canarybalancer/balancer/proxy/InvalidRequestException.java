package io.canarybalancer.balancer.proxy;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Why a decoded request head is refused, and with which status. Set as the cause of the request's
 * failed {@code DecoderResult}, so {@link FrontendHandler} answers it like Netty's own decoding
 * failures: with this status, then the connection is closed.
 */
final class InvalidRequestException extends IllegalArgumentException {
    private final transient HttpResponseStatus status;

    InvalidRequestException(HttpResponseStatus status, String reason) {
        super(reason);
        this.status = status;
    }

    HttpResponseStatus status() {
        return status;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this; // an answer to a client, not a bug: the stack says nothing
    }
}
