package io.canarybalancer.balancer.tls;

import java.util.List;
import java.util.Objects;

/**
 * The {@code tls} of one listener: the default pair, served when no SNI pair matches the client's
 * server name (or it sends none), and the SNI pairs, in the configured order.
 */
public record TlsSettings(CertificateFiles certificate, List<CertificateFiles> sni) {

    public TlsSettings {
        Objects.requireNonNull(certificate, "certificate");
        sni = List.copyOf(sni);
    }

}
