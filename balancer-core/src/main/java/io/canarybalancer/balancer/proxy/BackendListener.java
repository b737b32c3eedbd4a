package io.canarybalancer.balancer.proxy;

import io.canarybalancer.balancer.proxy.http1.ResponseHead;
import io.netty.buffer.ByteBuf;

/** What a backend connection reports to the exchange currently using it. Called on the event loop. */
interface BackendListener {

    /**
     * A final response head (interim ones are not reported), valid during this call.
     *
     * @param untilClose its body ends when the backend closes the connection
     */
    void onResponseHead(ResponseHead head, boolean untilClose);

    /** Body bytes {@code [from, to)} of {@code in}, to relay as they are; {@code in} is not the listener's to release. */
    void onResponseBody(ByteBuf in, int from, int to);

    /** The response is complete; {@code reusable} when the backend lets the connection serve another request. */
    void onResponseEnd(boolean reusable);

    /** The response cannot be relayed; the connection is closed already. */
    void onBackendInvalid(String reason);

    void onBackendReadComplete();

    void onBackendWritabilityChanged();

    /** The connection failed or closed; {@code cause} is {@code null} for a plain close. */
    void onBackendClosed(Throwable cause);
}
