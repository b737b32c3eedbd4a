package io.canarybalancer.balancer.route;

import java.security.cert.X509Certificate;
import java.util.List;

/**
 * How a route's connections to its backends are encrypted: TLS 1.2 or 1.3, with the backend's
 * certificate chain checked against {@link #trusted()} (the JDK's default trust store when empty),
 * or not checked at all when {@link #verify()} is false, which is for test setups only.
 *
 * <p>Backends are addressed by IP (from Consul or the replica file), and their certificates rarely
 * name an IP, so by default only the chain is checked, as HAProxy's {@code verify required} without
 * {@code verifyhost} does. A route that sets {@link #serverName()} sends it as SNI and, when
 * verifying, also requires the certificate to carry that name.
 *
 * @param trusted    the CA certificates a backend's chain must lead to; empty: the JDK's default trust store
 * @param trustName  where {@code trusted} came from (the CA file), for messages; {@code null} for the default
 * @param serverName the name sent as SNI and checked against the certificate, or {@code null}: chain only
 */
public record BackendTls(List<X509Certificate> trusted, String trustName, boolean verify, String serverName) {

    /** The JDK's default trust store, chain checked, no SNI. */
    public static final BackendTls DEFAULT = new BackendTls(List.of(), null, true, null);

    public BackendTls {
        trusted = List.copyOf(trusted);
        if (trusted.isEmpty() != (trustName == null)) {
            throw new IllegalArgumentException("trusted certificates and their source go together");
        }
    }

    /** Whether the chain is checked against the JDK's default trust store rather than a CA file. */
    public boolean defaultTrust() {
        return trusted.isEmpty();
    }

    @Override
    public String toString() {
        String trust = !verify ? "not verified" : defaultTrust() ? "default trust store" : "CA " + trustName;
        return "TLS (" + trust + (serverName == null ? "" : ", server name " + serverName) + ')';
    }
}
