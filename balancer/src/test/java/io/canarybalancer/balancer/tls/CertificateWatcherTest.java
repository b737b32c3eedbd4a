package io.canarybalancer.balancer.tls;

import io.canarybalancer.balancer.tls.TestCertificates.Written;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class CertificateWatcherTest {
    @TempDir
    Path dir;

    @Test
    void reloadsAPairReplacedOnDiskByItself() throws Exception {
        TestCertificates certificates = new TestCertificates();
        Written first = certificates.write(TestCertificates.leaf("www", "www.example.com"), dir.resolve("server.pem"),
                dir.resolve("server-key.pem"));
        TlsTerminator terminator = TlsTerminator.load("test", new TlsSettings(
                new CertificateFiles(first.cert(), first.key()), List.of()), TlsEngine.available(), Clock.systemUTC());

        try (CertificateWatcher ignored = CertificateWatcher.start(List.of(terminator), Duration.ofMillis(50))) {
            Written second = certificates.replace(TestCertificates.leaf("www", "www.example.com"), first.cert(),
                    first.key());

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(terminator.certificates().get(0).served().serial()).isEqualTo(second.serial()));
        }
    }
}
