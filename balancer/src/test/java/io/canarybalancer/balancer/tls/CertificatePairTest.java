package io.canarybalancer.balancer.tls;

import io.canarybalancer.balancer.tls.TestCertificates.KeyFormat;
import io.canarybalancer.balancer.tls.TestCertificates.Written;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CertificatePairTest {
    static TestCertificates certificates;

    @TempDir
    Path dir;

    @BeforeAll
    static void ca() throws Exception {
        certificates = new TestCertificates();
    }

    @Test
    void readsAPkcs8PairWithItsChainAndTellsItsFacts() throws Exception {
        Written written = write(TestCertificates.leaf("www.example.com", "www.example.com", "*.api.example.com"));

        CertificatePair pair = CertificatePair.load(files(written), Instant.now());

        assertThat(Files.readString(written.key())).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(pair.chain()).hasSize(2);
        assertThat(pair.chain().get(1)).isEqualTo(certificates.ca());
        assertThat(pair.facts().subject()).isEqualTo("CN=www.example.com");
        assertThat(pair.facts().dnsNames()).containsExactly("www.example.com", "*.api.example.com");
        assertThat(pair.facts().serial()).isEqualTo(written.serial());
        assertThat(pair.facts().notAfter()).isEqualTo(written.certificate().getNotAfter().toInstant());
    }

    @Test
    void readsAPkcs1RsaKey() throws Exception {
        Written written = write(TestCertificates.leaf("pkcs1", "pkcs1.example.com")
                .withKey("RSA", KeyFormat.PKCS1));

        CertificatePair pair = CertificatePair.load(files(written), Instant.now());

        assertThat(Files.readString(written.key())).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        assertThat(pair.key().getAlgorithm()).isEqualTo("RSA");
        assertThat(pair.facts().serial()).isEqualTo(written.serial());
    }

    @Test
    void readsAnEcKey() throws Exception {
        Written written = write(TestCertificates.leaf("ec", "ec.example.com").withKey("EC", KeyFormat.PKCS8));

        assertThat(CertificatePair.load(files(written), Instant.now()).key().getAlgorithm()).isEqualTo("EC");
    }

    @Test
    void aKeyOfAnotherPairIsRefusedNamingTheKeyFile() throws Exception {
        Written written = write(TestCertificates.leaf("a", "a.example.com"));
        TestCertificates.writeStrayKey(written.key(), "RSA");

        assertThatThrownBy(() -> CertificatePair.load(files(written), Instant.now()))
                .isInstanceOfSatisfying(CertificateLoadException.class, e -> {
                    assertThat(e.keyFile()).isTrue();
                    assertThat(e.file()).isEqualTo(written.key());
                    assertThat(e.getMessage()).isEqualTo("the key does not match the certificate server.pem (serial "
                            + written.serial() + ")");
                });
    }

    @Test
    void aKeyOfAnotherAlgorithmIsRefused() throws Exception {
        Written written = write(TestCertificates.leaf("a", "a.example.com"));
        TestCertificates.writeStrayKey(written.key(), "EC");

        assertThatThrownBy(() -> CertificatePair.load(files(written), Instant.now()))
                .hasMessageStartingWith("the key does not match the certificate");
    }

    @Test
    void anExpiredCertificateIsRefused() throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Written written = write(TestCertificates.leaf("old", "old.example.com")
                        .withValidity(now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1))));

        assertThatThrownBy(() -> CertificatePair.load(files(written), now))
                .isInstanceOfSatisfying(CertificateLoadException.class, e -> assertThat(e.keyFile()).isFalse())
                .hasMessage("the certificate expired on " + now.minus(Duration.ofDays(1)));
    }

    @Test
    void aCertificateNotYetValidIsRefused() throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Written written = write(TestCertificates.leaf("new", "new.example.com")
                        .withValidity(now.plus(Duration.ofDays(1)), now.plus(Duration.ofDays(30))));

        assertThatThrownBy(() -> CertificatePair.load(files(written), now))
                .hasMessage("the certificate is not valid before " + now.plus(Duration.ofDays(1)));
    }

    @Test
    void missingAndMalformedFilesAreNamed() throws Exception {
        Written written = write(TestCertificates.leaf("a", "a.example.com"));
        Path nowhere = dir.resolve("nowhere.pem");

        assertThatThrownBy(() -> CertificatePair.load(new CertificateFiles(nowhere, written.key()), Instant.now()))
                .hasMessage("file does not exist");
        Files.writeString(dir.resolve("junk.pem"), "not a certificate\n");
        assertThatThrownBy(() -> CertificatePair.load(new CertificateFiles(dir.resolve("junk.pem"), written.key()),
                Instant.now())).hasMessageStartingWith("holds no certificate");
        assertThatThrownBy(() -> CertificatePair.load(new CertificateFiles(written.cert(), written.cert()),
                Instant.now()))
                .isInstanceOfSatisfying(CertificateLoadException.class, e -> assertThat(e.keyFile()).isTrue())
                .hasMessageStartingWith("holds no private key");
    }

    @Test
    void anEncryptedKeyIsRefusedWithAWayOut() throws Exception {
        Written written = write(TestCertificates.leaf("a", "a.example.com"));
        Files.writeString(written.key(), "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n");

        assertThatThrownBy(() -> CertificatePair.load(files(written), Instant.now()))
                .hasMessageContaining("the key is encrypted");
    }

    /** Writes the leaf's pair as server.pem and server-key.pem. */
    private Written write(TestCertificates.Leaf leaf) throws Exception {
        return certificates.write(leaf, dir.resolve("server.pem"), dir.resolve("server-key.pem"));
    }

    private static CertificateFiles files(Written written) {
        return new CertificateFiles(written.cert(), written.key());
    }
}
