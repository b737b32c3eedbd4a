package io.canarybalancer.balancer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.canarybalancer.balancer.TlsClient.Answer;
import io.canarybalancer.balancer.admin.PrometheusText;
import io.canarybalancer.balancer.tls.TestCertificates;
import io.canarybalancer.balancer.tls.TestCertificates.Written;
import io.canarybalancer.testsupport.Http;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * TLS on the real jar: a plain and a TLS listener routed by the same table, certificates made by the
 * test, handshakes by the JDK's client and by curl, SNI, protocol versions and ALPN, and what
 * {@code /status} and {@code /metrics} say. Reloads and the drain are in {@link TlsLifecycleIT}.
 */
class TlsIT {
    private static final Path CURL = Path.of("/usr/bin/curl");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static TestCertificates certificates;
    static TestBackend backend;
    static BalancerProcess balancer;
    static Written main;
    static Written api;
    static Written internal;
    static Path config;
    static int plainPort;
    static int tlsPort;

    @BeforeAll
    static void start() throws Exception {
        certificates = new TestCertificates();
        main = certificates.write(TestCertificates.leaf("www.example.com", "localhost", "www.example.com"),
                dir.resolve("server.pem"), dir.resolve("server-key.pem"));
        api = certificates.write(TestCertificates.leaf("api.example.com", "api.example.com")
                .withKey("RSA", TestCertificates.KeyFormat.PKCS1), dir.resolve("api.pem"), dir.resolve("api-key.pem"));
        internal = certificates.write(TestCertificates.leaf("internal", "*.internal.example").withKey("EC",
                TestCertificates.KeyFormat.PKCS8), dir.resolve("internal.pem"), dir.resolve("internal-key.pem"));
        backend = new TestBackend("stable-1");
        config = TestConfigs.config(dir, TestConfigs.replicas(List.of(backend), List.of()), "");
        TestConfigs.listen(config, """
                listen:
                  - 127.0.0.1:0
                  - address: 127.0.0.1:0
                    tls:
                      cert: server.pem
                      key: server-key.pem
                      sni:
                        - {cert: api.pem, key: api-key.pem}
                        - {cert: internal.pem, key: internal-key.pem, names: ['*.internal.example']}
                """);
        balancer = BalancerProcess.start(config);
        plainPort = balancer.port(0);
        tlsPort = balancer.port(1);
    }

    @AfterAll
    static void stop() {
        if (balancer != null) {
            balancer.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void theJdkClientIsAnsweredOverTlsAndTheBackendIsToldHttps() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .sslContext(certificates.clientContext()).connectTimeout(Duration.ofSeconds(5)).build();

        HttpResponse<String> overTls = client.send(Http.request("https://localhost:" + tlsPort + "/headers").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(overTls.statusCode()).isEqualTo(200);
        assertThat(overTls.headers().firstValue("X-Canary-Pool")).hasValue("stable");
        assertThat(backend.lastHeaders()).containsEntry("x-forwarded-proto", "https");

        HttpResponse<String> plain = new Http().get("http://127.0.0.1:" + plainPort + "/headers");
        assertThat(plain.statusCode()).isEqualTo(200);
        assertThat(backend.lastHeaders()).containsEntry("x-forwarded-proto", "http");
    }

    @Test
    void curlWithTheCaFileIsAnswered() throws Exception {
        if (!Files.isExecutable(CURL)) {
            if ("1".equals(System.getenv("REQUIRE_TEST_TOOLS"))) {
                throw new AssertionError("curl is not installed (apt-get install curl)");
            }
            Assumptions.abort("needs curl");
        }
        Path ca = certificates.writeCa(dir.resolve("ca.pem"));
        Process curl = new ProcessBuilder(CURL.toString(), "--silent", "--show-error", "--cacert", ca.toString(),
                "--resolve", "www.example.com:" + tlsPort + ":127.0.0.1", "--write-out", "\n%{http_code} %{ssl_verify_result}",
                "https://www.example.com:" + tlsPort + "/version").redirectErrorStream(true).start();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        curl.getInputStream().transferTo(output);
        assertThat(curl.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String text = output.toString(StandardCharsets.UTF_8);

        assertThat(curl.exitValue()).as(text).isZero();
        assertThat(text).contains("stable-1").endsWith("\n200 0");
    }

    @Test
    void tls12And13AreAcceptedAndTls11IsRefused() throws Exception {
        assertThat(client().protocols("TLSv1.2").get(tlsPort, "/version").protocol()).isEqualTo("TLSv1.2");
        assertThat(client().protocols("TLSv1.3").get(tlsPort, "/version").protocol()).isEqualTo("TLSv1.3");
        assertThat(client().get(tlsPort, "/version").protocol()).isEqualTo("TLSv1.3");

        byte[] answer = TlsClient.tls11Hello(tlsPort);
        // an alert record (21), fatal (2), protocol_version (70): no ServerHello
        assertThat(answer).hasSizeGreaterThanOrEqualTo(7);
        assertThat(answer[0]).isEqualTo((byte) 21);
        assertThat(answer[5]).isEqualTo((byte) 2);
        assertThat(answer[6]).isEqualTo((byte) 70);
        // a failed handshake is counted, not logged as a warning or an error
        await().atMost(Duration.ofSeconds(10)).until(() -> JSON.readTree(new Http().get(balancer.adminUrl()
                + "/status").body()).at("/tls/listeners/0/handshakeFailures").asInt() >= 1);
        assertThat(balancer.output()).doesNotContain(" WARN ", " ERROR ");
    }

    @Test
    void alpnPrefersH2ThenHttp11AndOffersNothingElse() throws Exception {
        try (SSLSocket socket = client().alpn("http/1.1", "h2").connect(tlsPort)) {
            assertThat(socket.getApplicationProtocol()).as("the server's preference decides").isEqualTo("h2");
        }
        assertThat(client().alpn("http/1.1").get(tlsPort, "/version").applicationProtocol()).isEqualTo("http/1.1");
        Answer neither = client().alpn("spdy/3.1").get(tlsPort, "/version");
        assertThat(neither.applicationProtocol()).as("no ALPN answer: HTTP/1.1 as without ALPN").isEmpty();
        assertThat(neither.status()).isEqualTo(200);
    }

    @Test
    void sniChoosesThePairByServerNameAndTheDefaultOtherwise() throws Exception {
        assertThat(client().serverName("api.example.com").get(tlsPort, "/version").serial()).isEqualTo(api.serial());
        assertThat(client().serverName("db.internal.example").get(tlsPort, "/version").serial())
                .isEqualTo(internal.serial());
        assertThat(client().serverName("www.example.com").get(tlsPort, "/version").serial()).isEqualTo(main.serial());
        assertThat(client().serverName("unknown.example.org").get(tlsPort, "/version").serial())
                .isEqualTo(main.serial());
        assertThat(client().serverName("a.b.internal.example").get(tlsPort, "/version").serial())
                .isEqualTo(main.serial());
        Answer noName = client().get(tlsPort, "/version");
        assertThat(noName.serial()).isEqualTo(main.serial());
        assertThat(noName.status()).isEqualTo(200);
    }

    @Test
    void plainHttpSentToTheTlsPortGetsA400AndACloseNotAHang() throws Exception {
        try (RawHttp raw = new RawHttp(tlsPort)) {
            RawHttp.Response response = raw.send("GET /version HTTP/1.1\r\nHost: localhost\r\n\r\n").read();

            assertThat(response.status()).isEqualTo(400);
            assertThat(response.headers()).containsEntry("connection", "close");
            assertThat(response.body()).contains("plain HTTP was sent to a TLS port");
            assertThat(raw.closedByServerAfterReading()).isEmpty();
        }
        assertThat(balancer.output()).doesNotContain(" WARN ", " ERROR ");
    }

    @Test
    void statusAndMetricsShowEachCertificate() throws Exception {
        JsonNode tls = JSON.readTree(new Http().get(balancer.adminUrl() + "/status").body()).get("tls");

        assertThat(tls.get("engine").asText()).isEqualTo("openssl");
        JsonNode listener = tls.get("listeners").get(0);
        assertThat(listener.get("address").asText()).isEqualTo("127.0.0.1:" + tlsPort);
        JsonNode first = listener.get("certificates").get(0);
        assertThat(first.get("file").asText()).isEqualTo(main.cert().toAbsolutePath().toString());
        assertThat(first.get("role").asText()).isEqualTo("default");
        assertThat(first.get("subject").asText()).isEqualTo("CN=www.example.com");
        assertThat(first.get("sanNames")).extracting(JsonNode::asText).containsExactly("localhost", "www.example.com");
        assertThat(first.get("serial").asText()).isEqualTo(main.serial());
        assertThat(first.get("notAfter").asText()).isEqualTo(main.certificate().getNotAfter().toInstant().toString());
        assertThat(first.get("daysLeft").asInt()).isBetween(88, 89);
        assertThat(first.get("lastError").isNull()).isTrue();
        JsonNode third = listener.get("certificates").get(2);
        assertThat(third.get("role").asText()).isEqualTo("sni");
        assertThat(third.get("serverNames")).extracting(JsonNode::asText).containsExactly("*.internal.example");
        assertThat(listener.get("certificates")).hasSize(3);

        Map<String, PrometheusText.Family> metrics = PrometheusText.parse(
                new Http().get(balancer.adminUrl() + "/metrics").body());
        PrometheusText.Family expiry = metrics.get("canary_balancer_tls_certificate_expiry_timestamp_seconds");
        assertThat(expiry.type()).isEqualTo("gauge");
        assertThat(expiry.value("canary_balancer_tls_certificate_expiry_timestamp_seconds", Map.of(
                "listener", "127.0.0.1:" + tlsPort, "certificate", api.cert().toAbsolutePath().toString())))
                .isEqualTo(api.certificate().getNotAfter().toInstant().getEpochSecond());
        assertThat(expiry.samples()).hasSize(3);
        assertThat(metrics.get("canary_balancer_tls_handshake_failures").type()).isEqualTo("counter");
        assertThat(metrics.get("canary_balancer_tls_handshake_failures").samples())
                .extracting(PrometheusText.Sample::name).containsExactly("canary_balancer_tls_handshake_failures_total");
    }

    @Test
    void withoutTheNativeLibraryTheJdkEngineServesTheSameRules() throws Exception {
        try (BalancerProcess jdk = BalancerProcess.start(config, "-Dio.netty.handler.ssl.noOpenSsl=true")) {
            int port = jdk.port(1);

            JsonNode tls = JSON.readTree(new Http().get(jdk.adminUrl() + "/status").body()).get("tls");
            assertThat(tls.get("engine").asText()).isEqualTo("jdk");
            assertThat(jdk.output()).contains("(jdk engine)");
            assertThat(client().protocols("TLSv1.2").get(port, "/version").protocol()).isEqualTo("TLSv1.2");
            try (SSLSocket socket = client().alpn("h2", "http/1.1").connect(port)) {
                assertThat(socket.getApplicationProtocol()).isEqualTo("h2");
            }
            Answer answer = client().alpn("http/1.1").serverName("api.example.com").get(port, "/version");
            assertThat(answer.protocol()).isEqualTo("TLSv1.3");
            assertThat(answer.applicationProtocol()).isEqualTo("http/1.1");
            assertThat(answer.serial()).isEqualTo(api.serial());
            assertThat(answer.body()).isEqualTo("stable-1");
            byte[] refused = TlsClient.tls11Hello(port);
            assertThat(refused.length == 0 || refused[0] == 21).as("no ServerHello for TLS 1.1").isTrue();
        }
    }

    private static TlsClient client() {
        return new TlsClient(certificates::clientContext);
    }
}
