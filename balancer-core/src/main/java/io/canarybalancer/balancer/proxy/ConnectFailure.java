package io.canarybalancer.balancer.proxy;

import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.HttpResponseStatus;

import javax.net.ssl.SSLException;

/**
 * What the client is told when no connection to a replica could be made: a connect that timed out
 * is a 504, a refused connect or a failed TLS handshake a 502. Retries and passive health treat
 * all of them as the replica's failure.
 */
record ConnectFailure(HttpResponseStatus status, String reason) {

    static ConnectFailure of(Throwable cause) {
        if (cause instanceof ConnectTimeoutException) {
            return new ConnectFailure(HttpResponseStatus.GATEWAY_TIMEOUT, "backend did not accept the connection in time");
        }
        if (cause instanceof SSLException e) {
            return new ConnectFailure(HttpResponseStatus.BAD_GATEWAY, "TLS handshake with the backend failed: "
                    + e.getMessage());
        }
        return new ConnectFailure(HttpResponseStatus.BAD_GATEWAY, "backend refused the connection");
    }
}
