package io.canarybalancer.balancer;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A certificate authority made up for one test, with BouncyCastle: it issues server certificates
 * for test backends and writes its own certificate as the PEM file a configuration trusts. Keys
 * are EC P-256 (quick to make); certificates are valid from an hour ago to a day ahead.
 */
public final class TestCa {
    private static final AtomicLong SERIALS = new AtomicLong(1);

    private final X500Name name;
    private final KeyPair keys;
    private final X509Certificate certificate;

    private TestCa(X500Name name, KeyPair keys, X509Certificate certificate) {
        this.name = name;
        this.keys = keys;
        this.certificate = certificate;
    }

    /** A new self-signed CA named {@code CN=commonName}. */
    public static TestCa create(String commonName) {
        X500Name name = new X500Name("CN=" + commonName);
        KeyPair keys = keyPair();
        try {
            X509v3CertificateBuilder builder = builder(name, name, keys)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            return new TestCa(name, keys, sign(builder, keys.getPrivate()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A server certificate for these DNS names (its subject is the first), signed by this CA. */
    public Issued issue(List<String> dnsNames) {
        KeyPair serverKeys = keyPair();
        try {
            GeneralName[] names = dnsNames.stream().map(dns -> new GeneralName(GeneralName.dNSName, dns))
                    .toArray(GeneralName[]::new);
            X509v3CertificateBuilder builder = builder(name, new X500Name("CN=" + dnsNames.get(0)), serverKeys)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
            return new Issued(sign(builder, keys.getPrivate()), serverKeys.getPrivate(), certificate);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** Writes this CA's certificate to {@code file} as PEM. */
    public Path writeCertificate(Path file) throws IOException {
        Files.writeString(file, pem(certificate));
        return file;
    }

    /** A certificate this CA issued, with its private key. */
    public record Issued(X509Certificate certificate, PrivateKey key, X509Certificate issuer) {

        /**
         * A server context presenting this certificate and its issuer: TLS 1.2 and 1.3, the JDK's
         * engine, {@code http/1.1} chosen by ALPN when the client offers it.
         */
        public SslContext serverContext() {
            try {
                return SslContextBuilder.forServer(key, certificate, issuer).protocols("TLSv1.3", "TLSv1.2")
                        .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                                ApplicationProtocolNames.HTTP_1_1))
                        .build();
            } catch (SSLException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static String pem(Object object) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(object);
        }
        return text.toString();
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair subjectKeys) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIALS.getAndIncrement()),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), subject,
                subjectKeys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer) {
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
        } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair keyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
