package io.canarybalancer.balancer.tls;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * One configured certificate pair: the PEM certificate file (the leaf, then any chain), the PEM key
 * file, and for an SNI pair the server names it answers for.
 *
 * @param names names as configured, lower case, wildcards ({@code *.example.com}) allowed; empty means
 *              the certificate's own DNS names, read again at every reload
 */
public record CertificateFiles(Path cert, Path key, List<String> names) {

    public CertificateFiles {
        Objects.requireNonNull(cert, "cert");
        Objects.requireNonNull(key, "key");
        names = List.copyOf(names);
    }

    public CertificateFiles(Path cert, Path key) {
        this(cert, key, List.of());
    }
}
