package io.canarybalancer.balancer.tls;

import java.util.Objects;

/**
 * A bound TLS listener, as {@code /status} and {@code /metrics} name it.
 *
 * @param address the bound {@code host:port}
 */
public record TlsListener(String address, TlsTerminator terminator) {

    public TlsListener {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(terminator, "terminator");
    }
}
