package io.canarybalancer.balancer.tls;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * One configured pair as it stands: the certificate being served and, when the last attempt to
 * reload the files failed, why (the served certificate is then the one loaded before).
 *
 * @param sni       an SNI pair rather than the listener's default one
 * @param names     the server names it is chosen for (for the default pair: its own DNS names)
 * @param lastError the last reload's failure, {@code FILE: reason}, or {@code null} when the files on
 *                  disk are the ones served
 */
public record CertificateStatus(Path file, boolean sni, CertificateFacts served, List<String> names,
                                Instant loadedAt, String lastError, Instant lastErrorAt) {

    public CertificateStatus {
        names = List.copyOf(names);
    }
}
