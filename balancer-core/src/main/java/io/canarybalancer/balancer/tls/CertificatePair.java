package io.canarybalancer.balancer.tls;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/**
 * A certificate chain and its private key, read from PEM and checked fit to serve: the key belongs
 * to the leaf certificate (a test signature made with the key verifies with the certificate's public
 * key, whatever the algorithm), and the leaf is valid now (not expired, not yet to come).
 */
public final class CertificatePair {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final CertificateFiles files;
    private final List<X509Certificate> chain;
    private final PrivateKey key;
    private final CertificateFacts facts;

    private CertificatePair(CertificateFiles files, List<X509Certificate> chain, PrivateKey key) {
        this.files = files;
        this.chain = List.copyOf(chain);
        this.key = key;
        this.facts = CertificateFacts.of(chain.get(0));
    }

    /**
     * Reads and checks the pair as {@link #load(CertificateFiles, Instant)} does; an SNI pair
     * ({@code sni}) must also have {@linkplain #serverNames() names} to be chosen by.
     */
    public static CertificatePair load(CertificateFiles files, boolean sni, Instant now) throws CertificateLoadException {
        CertificatePair pair = load(files, now);
        if (sni && pair.serverNames().isEmpty()) {
            throw new CertificateLoadException(files.cert(), false, "the certificate has no DNS names to choose it by;"
                    + " list them in names");
        }
        return pair;
    }

    /** Reads and checks the pair {@code files} names, as of {@code now}. */
    public static CertificatePair load(CertificateFiles files, Instant now) throws CertificateLoadException {
        List<X509Certificate> chain = PemFiles.certificates(files.cert());
        PrivateKey key = PemFiles.privateKey(files.key());
        X509Certificate leaf = chain.get(0);
        try {
            leaf.checkValidity(Date.from(now));
        } catch (CertificateExpiredException e) {
            throw new CertificateLoadException(files.cert(), false, "the certificate expired on "
                    + leaf.getNotAfter().toInstant());
        } catch (CertificateNotYetValidException e) {
            throw new CertificateLoadException(files.cert(), false, "the certificate is not valid before "
                    + leaf.getNotBefore().toInstant());
        }
        if (!matches(key, leaf.getPublicKey())) {
            throw new CertificateLoadException(files.key(), true, "the key does not match the certificate "
                    + files.cert().getFileName() + " (serial " + leaf.getSerialNumber().toString(16) + ")");
        }
        return new CertificatePair(files, chain, key);
    }

    /** The key signs, the public key verifies: the two are one pair. */
    private static boolean matches(PrivateKey key, PublicKey publicKey) {
        String algorithm = signatureAlgorithm(key.getAlgorithm());
        if (algorithm == null || !sameFamily(key.getAlgorithm(), publicKey.getAlgorithm())) {
            return false;
        }
        try {
            byte[] challenge = new byte[32];
            RANDOM.nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // a key of another curve or size: not this certificate's
        }
    }

    private static String signatureAlgorithm(String keyAlgorithm) {
        return switch (keyAlgorithm) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
            case "DSA" -> "SHA256withDSA";
            default -> null;
        };
    }

    private static boolean sameFamily(String a, String b) {
        return a.equals(b) || a.startsWith("Ed") && b.startsWith("Ed");
    }

    public CertificateFiles files() {
        return files;
    }

    /** The leaf, then the rest of the chain as the file held it. */
    public List<X509Certificate> chain() {
        return chain;
    }

    PrivateKey key() {
        return key;
    }

    /** The leaf certificate's facts. */
    /** The names the pair is chosen by for SNI: those configured, else the certificate's own DNS names. */
    public List<String> serverNames() {
        return files.names().isEmpty() ? facts.dnsNames() : files.names();
    }

    public CertificateFacts facts() {
        return facts;
    }
}
