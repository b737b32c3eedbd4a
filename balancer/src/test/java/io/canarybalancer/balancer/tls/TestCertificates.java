package io.canarybalancer.balancer.tls;

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
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaMiscPEMGenerator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Certificates made by the tests themselves with BouncyCastle: a test CA, and leaf pairs it signs,
 * written as PEM files (the leaf then the CA in the certificate file; the key as PKCS#8 or PKCS#1).
 * Serials count up from a random start, so each pair of a run is told apart by its serial.
 */
public final class TestCertificates {
    private static final AtomicLong SERIALS = new AtomicLong(0x1000 + (System.nanoTime() & 0xffffff) * 16);

    private final KeyPair caKeys;
    private final X509Certificate ca;

    /** The key format of a leaf's key file. */
    public enum KeyFormat { PKCS8, PKCS1 }

    /** What a leaf is made of; the builders below change one thing each. */
    public record Leaf(String commonName, String[] dnsNames, Instant notBefore, Instant notAfter, String keyAlgorithm,
                       KeyFormat format) {
        public Leaf withValidity(Instant from, Instant to) {
            return new Leaf(commonName, dnsNames, from, to, keyAlgorithm, format);
        }

        public Leaf withKey(String algorithm, KeyFormat keyFormat) {
            return new Leaf(commonName, dnsNames, notBefore, notAfter, algorithm, keyFormat);
        }
    }

    /** A leaf for these DNS names, valid from a day ago for 90 days, RSA 2048, PKCS#8. */
    public static Leaf leaf(String commonName, String... dnsNames) {
        Instant now = Instant.now();
        return new Leaf(commonName, dnsNames, now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(90)), "RSA",
                KeyFormat.PKCS8);
    }

    /** What {@link #write} made: the files and the certificate's serial (lower-case hex). */
    public record Written(Path cert, Path key, String serial, X509Certificate certificate) {
    }

    public TestCertificates() throws GeneralSecurityException, IOException {
        this("Canary Balancer Test CA");
    }

    /** A test CA named {@code CN=commonName}. */
    public TestCertificates(String commonName) throws GeneralSecurityException, IOException {
        caKeys = keys("EC");
        Instant now = Instant.now();
        X500Name name = new X500Name("CN=" + commonName);
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(SERIALS.getAndIncrement()),
                Date.from(now.minus(Duration.ofDays(2))), Date.from(now.plus(Duration.ofDays(3650))), name, caKeys.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        ca = sign(builder, caKeys.getPrivate());
    }

    public X509Certificate ca() {
        return ca;
    }

    /** Writes the CA certificate as PEM (for {@code curl --cacert}). */
    public Path writeCa(Path file) throws IOException {
        Files.writeString(file, pem(ca));
        return file;
    }

    /** A client context that trusts this CA only. */
    public SSLContext clientContext() throws GeneralSecurityException, IOException {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("test-ca", ca);
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }

    /** A certificate this CA issued, with its key, kept in memory: for a test server's own context. */
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

    /** A server certificate with an EC P-256 key for these DNS names (its subject is the first), kept in memory. */
    public Issued issue(String... dnsNames) throws GeneralSecurityException, IOException {
        Leaf leaf = leaf(dnsNames[0], dnsNames).withKey("EC", KeyFormat.PKCS8);
        KeyPair keys = keys(leaf.keyAlgorithm());
        return new Issued(issue(leaf, keys), keys.getPrivate(), ca);
    }

    /** Makes the leaf and writes its pair to {@code cert} and {@code key}. */
    public Written write(Leaf leaf, Path cert, Path key) throws GeneralSecurityException, IOException {
        KeyPair keys = keys(leaf.keyAlgorithm());
        X509Certificate certificate = issue(leaf, keys);
        Files.writeString(cert, pem(certificate) + pem(ca));
        Files.writeString(key, leaf.format() == KeyFormat.PKCS1 ? pkcs1(keys.getPrivate()) : pem(keys.getPrivate()));
        return new Written(cert, key, certificate.getSerialNumber().toString(16), certificate);
    }

    /**
     * Makes the leaf and puts its pair in place of {@code cert} and {@code key} by rename, as certbot
     * and orchestrators do: each file is written beside its target, then moved over it atomically.
     */
    public Written replace(Leaf leaf, Path cert, Path key) throws GeneralSecurityException, IOException {
        Path newCert = Files.createTempFile(cert.getParent(), ".cert", ".tmp");
        Path newKey = Files.createTempFile(key.getParent(), ".key", ".tmp");
        Written written = write(leaf, newCert, newKey);
        Files.move(newKey, key, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Files.move(newCert, cert, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return new Written(cert, key, written.serial(), written.certificate());
    }

    /** A fresh key of {@code algorithm} (RSA 2048 or EC P-256) written as PKCS#8 PEM: it matches no certificate. */
    public static void writeStrayKey(Path key, String algorithm) throws GeneralSecurityException, IOException {
        Files.writeString(key, pem(keys(algorithm).getPrivate()));
    }

    private X509Certificate issue(Leaf leaf, KeyPair keys) throws GeneralSecurityException, IOException {
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                new X500Name(ca.getSubjectX500Principal().getName()), BigInteger.valueOf(SERIALS.getAndIncrement()),
                Date.from(leaf.notBefore()), Date.from(leaf.notAfter()), new X500Name("CN=" + leaf.commonName()),
                keys.getPublic());
        if (leaf.dnsNames().length > 0) {
            GeneralName[] names = new GeneralName[leaf.dnsNames().length];
            for (int i = 0; i < names.length; i++) {
                names[i] = new GeneralName(GeneralName.dNSName, leaf.dnsNames()[i]);
            }
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
        }
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        return sign(builder, caKeys.getPrivate());
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder builder, PrivateKey signer)
            throws GeneralSecurityException {
        try {
            X509CertificateHolder holder = builder.build(new JcaContentSignerBuilder(
                    signer.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA").build(signer));
            return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static KeyPair keys(String algorithm) throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
        generator.initialize(algorithm.equals("EC") ? 256 : 2048);
        return generator.generateKeyPair();
    }

    /** PEM as BouncyCastle writes it: {@code CERTIFICATE}, or {@code PRIVATE KEY} (PKCS#8) for a key. */
    private static String pem(Object object) throws IOException {
        StringWriter text = new StringWriter();
        try (PemWriter writer = new PemWriter(text)) {
            writer.writeObject(object instanceof PrivateKey key ? new PemObject("PRIVATE KEY", key.getEncoded())
                    : new JcaMiscPEMGenerator(object));
        }
        return text.toString();
    }

    /** An RSA key as {@code RSA PRIVATE KEY} (PKCS#1), BouncyCastle's traditional OpenSSL format. */
    private static String pkcs1(PrivateKey key) throws IOException {
        StringWriter text = new StringWriter();
        try (PemWriter writer = new PemWriter(text)) {
            writer.writeObject(new JcaMiscPEMGenerator(key)); // JcaMiscPEMGenerator writes RSA keys as PKCS#1
        }
        return text.toString();
    }
}
