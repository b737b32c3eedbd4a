package io.canarybalancer.balancer.route;

import java.util.Objects;

/**
 * How the balancer talks to a route's replicas.
 *
 * @param protocol     HTTP/1.1, or HTTP/2 in clear text or over TLS
 * @param tls          how connections are encrypted, or {@code null} for none; required for {@link BackendProtocol#H2}
 * @param grpcFailures the {@code grpc-status} codes canary analysis counts as failed answers
 */
public record Upstream(BackendProtocol protocol, BackendTls tls, GrpcCodes grpcFailures) {

    /** HTTP/1.1 in clear text, the default failure codes. */
    public static final Upstream PLAIN = new Upstream(BackendProtocol.HTTP1, null, GrpcCodes.SERVER_FAILURES);

    public Upstream {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(grpcFailures, "grpcFailures");
        if (protocol == BackendProtocol.H2 && tls == null) {
            throw new IllegalArgumentException("h2 is HTTP/2 over TLS: it needs backendTls");
        }
        if (protocol == BackendProtocol.H2C && tls != null) {
            throw new IllegalArgumentException("h2c is HTTP/2 in clear text: with backendTls, use h2");
        }
    }

    /** HTTP/1.1, over TLS when {@code tls} is not {@code null}. */
    public static Upstream http1(BackendTls tls) {
        return new Upstream(BackendProtocol.HTTP1, tls, GrpcCodes.SERVER_FAILURES);
    }
}
