package io.canarybalancer.balancer.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM files: a certificate chain (the leaf first), and an unencrypted private key in PKCS#8
 * ({@code BEGIN PRIVATE KEY}) or PKCS#1 ({@code BEGIN RSA PRIVATE KEY}). Keys are decoded here rather
 * than by Netty's reader, which takes PKCS#1 only when BouncyCastle happens to be on the class path.
 */
final class PemFiles {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*(.*?)-----END \\1-----", Pattern.DOTALL);
    /** AlgorithmIdentifier of rsaEncryption (1.2.840.113549.1.1.1) with NULL parameters, DER. */
    private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
            (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    private static final String[] KEY_ALGORITHMS = {"RSA", "EC", "EdDSA", "DSA"};

    private PemFiles() {
    }

    /** The certificates of a PEM file in file order; at least one. */
    static List<X509Certificate> certificates(Path file) throws CertificateLoadException {
        byte[] bytes = read(file, false);
        if (!new String(bytes, StandardCharsets.US_ASCII).contains("-----BEGIN CERTIFICATE-----")) {
            throw new CertificateLoadException(file, false, "holds no certificate (expected -----BEGIN CERTIFICATE-----)");
        }
        List<X509Certificate> chain = new ArrayList<>();
        try {
            for (Certificate certificate : CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(bytes))) {
                chain.add((X509Certificate) certificate);
            }
        } catch (CertificateException e) {
            throw new CertificateLoadException(file, false, "not a PEM certificate: " + e.getMessage(), e);
        }
        return chain;
    }

    /** The first private key of a PEM file. */
    static PrivateKey privateKey(Path file) throws CertificateLoadException {
        String text = new String(read(file, true), StandardCharsets.US_ASCII);
        Matcher block = BLOCK.matcher(text);
        while (block.find()) {
            String type = block.group(1);
            if (!type.endsWith("PRIVATE KEY")) {
                continue; // a certificate kept in the same file, say
            }
            if (type.equals("ENCRYPTED PRIVATE KEY") || block.group(2).contains("Proc-Type:")) {
                throw new CertificateLoadException(file, true, "the key is encrypted; the balancer needs it unencrypted"
                        + " (openssl pkey -in KEY -out PLAIN)");
            }
            byte[] der;
            try {
                der = Base64.getMimeDecoder().decode(block.group(2));
            } catch (IllegalArgumentException e) {
                throw new CertificateLoadException(file, true, type + " is not valid base64", e);
            }
            return switch (type) {
                case "PRIVATE KEY" -> pkcs8(file, der);
                case "RSA PRIVATE KEY" -> pkcs8(file, rsaPkcs1ToPkcs8(der));
                default -> throw new CertificateLoadException(file, true, "keys of type '" + type + "' are not read;"
                        + " convert it to PKCS#8 (openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY8)");
            };
        }
        throw new CertificateLoadException(file, true, "holds no private key (expected -----BEGIN PRIVATE KEY----- or"
                + " -----BEGIN RSA PRIVATE KEY-----)");
    }

    private static PrivateKey pkcs8(Path file, byte[] der) throws CertificateLoadException {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // not this algorithm: try the next
            }
        }
        throw new CertificateLoadException(file, true, "the private key cannot be decoded (not RSA, EC, EdDSA or DSA,"
                + " or damaged)");
    }

    /** Wraps a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo: version 0, rsaEncryption, the key as an OCTET STRING. */
    static byte[] rsaPkcs1ToPkcs8(byte[] pkcs1) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {0x02, 0x01, 0x00});
        body.writeBytes(RSA_ALGORITHM);
        body.write(0x04);
        writeLength(body, pkcs1.length);
        body.writeBytes(pkcs1);
        ByteArrayOutputStream info = new ByteArrayOutputStream();
        info.write(0x30);
        writeLength(info, body.size());
        info.writeBytes(body.toByteArray());
        return info.toByteArray();
    }

    /** A DER length: one byte below 128, else 0x80 + the count of big-endian bytes that follow. */
    private static void writeLength(ByteArrayOutputStream out, int length) {
        if (length < 0x80) {
            out.write(length);
            return;
        }
        int bytes = (Integer.SIZE - Integer.numberOfLeadingZeros(length) + 7) / 8;
        out.write(0x80 | bytes);
        for (int i = bytes - 1; i >= 0; i--) {
            out.write(length >>> (8 * i));
        }
    }

    private static byte[] read(Path file, boolean keyFile) throws CertificateLoadException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new CertificateLoadException(file, keyFile, "file does not exist");
        } catch (IOException | SecurityException e) {
            throw new CertificateLoadException(file, keyFile, "cannot read file: " + e.getMessage(), e);
        }
    }
}
