package io.canarybalancer.balancer.route;

import java.util.Locale;

/** The protocol the balancer speaks to a route's replicas, whatever its clients speak. */
public enum BackendProtocol {
    /** HTTP/1.1, one request at a time per pooled connection: the default. */
    HTTP1("http1"),
    /** HTTP/2 in clear text with prior knowledge: streams multiplexed over pooled connections. */
    H2C("h2c"),
    /** HTTP/2 over TLS, chosen by ALPN: the route's {@code backendTls} applies. */
    H2("h2");

    private final String label;

    BackendProtocol(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** Whether requests go to the replicas as HTTP/2 streams. */
    public boolean http2() {
        return this != HTTP1;
    }

    /**
     * The protocol a configuration names.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static BackendProtocol parse(String text) {
        for (BackendProtocol protocol : values()) {
            if (protocol.label.equals(text.toLowerCase(Locale.ROOT))) {
                return protocol;
            }
        }
        throw new IllegalArgumentException("must be http1, h2c or h2, got '" + text + "'");
    }
}
