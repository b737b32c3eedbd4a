package io.canarybalancer.balancer.tls;

import io.canarybalancer.balancer.tls.TestCertificates.Written;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The reload rules, driven one look at a time (the watcher's thread only repeats {@code reloadIfChanged}). */
class TlsTerminatorTest {
    static TestCertificates certificates;

    @TempDir
    Path dir;

    @BeforeAll
    static void ca() throws Exception {
        certificates = new TestCertificates();
    }

    @Test
    void aPairReplacedByRenameIsServedFromTheNextLook() throws Exception {
        Written first = write("server");
        TlsTerminator terminator = terminator(first);

        terminator.reloadIfChanged();
        assertThat(served(terminator)).isEqualTo(first.serial());

        Written second = certificates.replace(TestCertificates.leaf("www", "www.example.com"), first.cert(), first.key());
        terminator.reloadIfChanged();

        assertThat(served(terminator)).isEqualTo(second.serial()).isNotEqualTo(first.serial());
        assertThat(terminator.certificates().get(0).lastError()).isNull();
    }

    @Test
    void aKeyThatDoesNotMatchLeavesThePreviousPairInServiceAndSaysWhy() throws Exception {
        Written first = write("server");
        TlsTerminator terminator = terminator(first);
        Path strayKey = dir.resolve("stray.tmp");
        TestCertificates.writeStrayKey(strayKey, "RSA");
        Files.move(strayKey, first.key(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

        terminator.reloadIfChanged();

        CertificateStatus status = terminator.certificates().get(0);
        assertThat(status.served().serial()).isEqualTo(first.serial());
        assertThat(status.lastError()).isEqualTo(first.key() + ": the key does not match the certificate server.pem"
                + " (serial " + first.serial() + ")");
        assertThat(status.lastErrorAt()).isNotNull();

        // the renewal completes: the right key arrives, and the new pair is served, the error gone
        Written fixed = certificates.replace(TestCertificates.leaf("www", "www.example.com"), first.cert(), first.key());
        terminator.reloadIfChanged();
        assertThat(served(terminator)).isEqualTo(fixed.serial());
        assertThat(terminator.certificates().get(0).lastError()).isNull();
    }

    @Test
    void anExpiredReplacementIsIgnored() throws Exception {
        Written first = write("server");
        TlsTerminator terminator = terminator(first);
        Instant now = Instant.now();

        certificates.replace(TestCertificates.leaf("www", "www.example.com")
                .withValidity(now.minus(Duration.ofDays(10)), now.minus(Duration.ofDays(1))), first.cert(), first.key());
        terminator.reloadIfChanged();

        assertThat(served(terminator)).isEqualTo(first.serial());
        assertThat(terminator.certificates().get(0).lastError()).contains("the certificate expired on");
    }

    @Test
    void aFileThatDisappearsKeepsTheServedPairAndItsReturnIsLoaded() throws Exception {
        Written first = write("server");
        TlsTerminator terminator = terminator(first);
        Path aside = dir.resolve("aside.pem");
        Files.move(first.cert(), aside);

        terminator.reloadIfChanged();
        assertThat(terminator.certificates().get(0).lastError()).endsWith("server.pem: file does not exist");
        assertThat(served(terminator)).isEqualTo(first.serial());

        Files.move(aside, first.cert());
        terminator.reloadIfChanged();
        assertThat(terminator.certificates().get(0).lastError()).isNull();
        assertThat(served(terminator)).isEqualTo(first.serial());
    }

    @Test
    void aSymlinkSwappedToANewPairIsSeen() throws Exception {
        Path v1 = Files.createDirectories(dir.resolve("v1"));
        Path v2 = Files.createDirectories(dir.resolve("v2"));
        Written first = certificates.write(TestCertificates.leaf("www", "www.example.com"), v1.resolve("tls.crt"),
                v1.resolve("tls.key"));
        Written second = certificates.write(TestCertificates.leaf("www", "www.example.com"), v2.resolve("tls.crt"),
                v2.resolve("tls.key"));
        // as Kubernetes mounts a secret: stable names through a "..data" link that is swapped whole
        Files.createSymbolicLink(dir.resolve("..data"), v1.getFileName());
        Files.createSymbolicLink(dir.resolve("tls.crt"), Path.of("..data/tls.crt"));
        Files.createSymbolicLink(dir.resolve("tls.key"), Path.of("..data/tls.key"));
        TlsTerminator terminator = TlsTerminator.load("test", new TlsSettings(
                new CertificateFiles(dir.resolve("tls.crt"), dir.resolve("tls.key")), List.of()),
                TlsEngine.available(), Clock.systemUTC());
        assertThat(served(terminator)).isEqualTo(first.serial());

        Files.createSymbolicLink(dir.resolve("..data.tmp"), v2.getFileName());
        Files.move(dir.resolve("..data.tmp"), dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        terminator.reloadIfChanged();

        assertThat(served(terminator)).isEqualTo(second.serial());
    }

    @Test
    void anSniPairIsChosenByItsCertificatesNamesUnlessNamesAreGiven() throws Exception {
        Written main = write("server");
        Written api = certificates.write(TestCertificates.leaf("api", "api.example.com"), dir.resolve("api.pem"),
                dir.resolve("api-key.pem"));
        Written admin = certificates.write(TestCertificates.leaf("admin", "admin.example.com"), dir.resolve("admin.pem"),
                dir.resolve("admin-key.pem"));

        TlsTerminator terminator = TlsTerminator.load("test", new TlsSettings(new CertificateFiles(main.cert(), main.key()),
                List.of(new CertificateFiles(api.cert(), api.key()),
                        new CertificateFiles(admin.cert(), admin.key(), List.of("*.internal.example")))),
                TlsEngine.available(), Clock.systemUTC());

        List<CertificateStatus> status = terminator.certificates();
        assertThat(status).extracting(CertificateStatus::sni).containsExactly(false, true, true);
        assertThat(status.get(1).names()).containsExactly("api.example.com");
        assertThat(status.get(2).names()).containsExactly("*.internal.example");
    }

    @Test
    void anSniPairWithoutNamesCannotBeLoaded() throws Exception {
        Written main = write("server");
        Written nameless = certificates.write(TestCertificates.leaf("nameless"), dir.resolve("nameless.pem"),
                dir.resolve("nameless-key.pem"));

        assertThatThrownBy(() -> TlsTerminator.load("test", new TlsSettings(new CertificateFiles(main.cert(), main.key()),
                List.of(new CertificateFiles(nameless.cert(), nameless.key()))), TlsEngine.available(), Clock.systemUTC()))
                .hasMessage("the certificate has no DNS names to choose it by; list them in names");
    }

    private Written write(String name) throws Exception {
        return certificates.write(TestCertificates.leaf("www", "www.example.com"), dir.resolve(name + ".pem"),
                dir.resolve(name + "-key.pem"));
    }

    private static TlsTerminator terminator(Written pair) throws CertificateLoadException {
        return TlsTerminator.load("test", new TlsSettings(new CertificateFiles(pair.cert(), pair.key()), List.of()),
                TlsEngine.available(), Clock.systemUTC());
    }

    private static String served(TlsTerminator terminator) {
        return terminator.certificates().get(0).served().serial();
    }
}
