package io.canarybalancer.balancer.proxy;

/** What a backend connection reports to the exchange currently using it. Called on the event loop. */
interface BackendListener {

    /** A decoded response part; the listener owns it from here. */
    void onBackendMessage(Object msg);

    void onBackendReadComplete();

    void onBackendWritabilityChanged();

    /** The connection failed or closed; {@code cause} is {@code null} for a plain close. */
    void onBackendClosed(Throwable cause);
}
