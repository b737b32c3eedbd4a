package io.canarybalancer.balancer.tls;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * What an operator wants to see of a certificate: whom it names, for which DNS names, until when, and
 * its serial (which tells one renewal from the next).
 *
 * @param serial the serial number in lower-case hexadecimal
 */
public record CertificateFacts(String subject, List<String> dnsNames, Instant notAfter, String serial) {
    /** The {@code dNSName} type of a subject alternative name (RFC 5280, 4.2.1.6). */
    private static final int DNS_NAME = 2;

    public CertificateFacts {
        dnsNames = List.copyOf(dnsNames);
    }

    static CertificateFacts of(X509Certificate certificate) {
        return new CertificateFacts(certificate.getSubjectX500Principal().getName(), dnsNames(certificate),
                certificate.getNotAfter().toInstant(), certificate.getSerialNumber().toString(16));
    }

    private static List<String> dnsNames(X509Certificate certificate) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> alternatives = certificate.getSubjectAlternativeNames();
            if (alternatives != null) {
                for (List<?> name : alternatives) {
                    if (name.size() >= 2 && Integer.valueOf(DNS_NAME).equals(name.get(0))) {
                        names.add(name.get(1).toString().toLowerCase(Locale.ROOT));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // an unreadable extension: the certificate has no names we can use
        }
        return names;
    }
}
