package io.canarybalancer.balancer;

import io.canarybalancer.balancer.tls.TestCertificates;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Routes with {@code backendTls}, through the real jar, to real TLS backends whose certificates the
 * test makes: requests reach them over TLS and reuse one handshake, a certificate the configured CA
 * did not sign fails like a refused connection (502, or another replica), {@code verify: false}
 * accepts it, and plain and TLS routes to one address never share a connection.
 */
class BackendTlsIT {
    static TestCertificates ca;
    static TestCertificates.Issued signed;
    static TestCertificates.Issued impostor;

    @TempDir
    Path dir;
    final List<AutoCloseable> running = new ArrayList<>();

    @BeforeAll
    static void certificates() throws Exception {
        ca = new TestCertificates("backend CA");
        // Only a DNS name, not 127.0.0.1: by default the chain is checked, not the name.
        signed = ca.issue("backend.test");
        impostor = new TestCertificates("another CA").issue("backend.test");
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = running.size() - 1; i >= 0; i--) {
            running.get(i).close(); // the balancer first, then its backends
        }
    }

    private TestBackend backend(TestBackend backend) {
        running.add(backend);
        return backend;
    }

    /** The balancer with this replica file and these routes; the CA's certificate is {@code backend-ca.pem} beside them. */
    private BalancerProcess balancer(String replicas, String routes) throws Exception {
        ca.writeCa(dir.resolve("backend-ca.pem"));
        BalancerProcess balancer = BalancerProcess.start(TestConfigs.config(dir, replicas,
                "timeouts: {connect: 2s}\nroutes:\n" + routes));
        running.add(balancer);
        return balancer;
    }

    /** The balancer with one route to {@code backend} alone, over TLS checked against the test's CA. */
    private BalancerProcess trustingTheCa(TestBackend backend) throws Exception {
        return balancer(TestConfigs.replicas(List.of(backend), List.of()),
                "  - {name: secure, backendTls: {ca: backend-ca.pem}}\n");
    }

    /** One GET on a connection of its own. */
    private static RawHttp.Response get(BalancerProcess balancer, String path) throws Exception {
        try (RawHttp client = new RawHttp(balancer.port())) {
            return client.send("GET " + path + " HTTP/1.1\r\nHost: lb\r\n\r\n").read();
        }
    }

    @Test
    void requestsReachATlsBackendAndOneHandshakeServesMany() throws Exception {
        TestBackend backend = backend(TestBackend.tls("tls-1", signed.serverContext()));
        BalancerProcess balancer = trustingTheCa(backend);

        try (RawHttp client = new RawHttp(balancer.port())) {
            for (int i = 0; i < 20; i++) {
                RawHttp.Response response = client.send("GET /tls HTTP/1.1\r\nHost: lb\r\n\r\n").read();
                assertThat(response.status()).isEqualTo(200);
                assertThat(response.body()).isEqualTo("tls");
            }
        }

        assertThat(backend.requests()).isEqualTo(20);
        assertThat(backend.connections()).as("one TLS connection, kept alive").isEqualTo(1);
    }

    @Test
    void aCertificateTheCaDidNotSignGets502WithTheReasonUnlessVerificationIsOff() throws Exception {
        TestBackend backend = backend(TestBackend.tls("impostor", impostor.serverContext()));
        BalancerProcess balancer = balancer(TestConfigs.replicas(List.of(backend), List.of()), """
                  - {name: strict, pathPrefix: /strict, backendTls: {ca: backend-ca.pem, verify: true}}
                  - {name: lab, pathPrefix: /lab, backendTls: {ca: backend-ca.pem, verify: false}}
                """);

        RawHttp.Response refused = get(balancer, "/strict/tls");
        RawHttp.Response accepted = get(balancer, "/lab/tls");

        assertThat(refused.status()).isEqualTo(502);
        assertThat(refused.body()).contains("TLS handshake with the backend failed");
        assertThat(balancer.output()).contains("Replica impostor").contains("TLS handshake with the backend failed");
        assertThat(accepted.status()).isEqualTo(200);
        assertThat(accepted.body()).isEqualTo("tls");
        assertThat(backend.requests()).as("only the lab route's request").isEqualTo(1);
        assertThat(balancer.output()).as("warned at start").contains("Route lab: backendTls.verify is false");
    }

    @Test
    void aReplicaFailingTheHandshakeIsPassedOverForAnotherLikeARefusedOne() throws Exception {
        TestBackend good = backend(TestBackend.tls("good", signed.serverContext()));
        TestBackend bad = backend(TestBackend.tls("impostor", impostor.serverContext()));
        BalancerProcess balancer = balancer(TestConfigs.replicas(List.of(good, bad), List.of()),
                "  - {name: secure, backendTls: {ca: backend-ca.pem}}\n");

        try (RawHttp client = new RawHttp(balancer.port())) {
            for (int i = 0; i < 10; i++) {
                RawHttp.Response response = client.send("GET /tls HTTP/1.1\r\nHost: lb\r\n\r\n").read();
                assertThat(response.status()).isEqualTo(200);
                assertThat(response.header("X-Replica")).isEqualTo("good");
            }
        }
        assertThat(bad.requests()).isZero();
        assertThat(balancer.output()).contains("Replica impostor").contains("ejected");
    }

    @Test
    void trueChecksTheChainAgainstTheJdkTrustStoreWhichKnowsNoTestCa() throws Exception {
        TestBackend backend = backend(TestBackend.tls("tls-1", signed.serverContext()));
        RawHttp.Response response = get(balancer(TestConfigs.replicas(List.of(backend), List.of()),
                "  - {name: secure, backendTls: true}\n"), "/tls");

        assertThat(response.status()).isEqualTo(502);
        assertThat(response.body()).contains("TLS handshake with the backend failed");
    }

    @Test
    void anUpgradedConnectionTunnelsThroughTheTlsConnection() throws Exception {
        TestBackend backend = backend(TestBackend.tls("tls-1", signed.serverContext()));
        BalancerProcess balancer = trustingTheCa(backend);

        try (RawHttp client = new RawHttp(balancer.port())) {
            RawHttp.Response switched = client.send("GET /echo HTTP/1.1\r\nHost: lb\r\nConnection: Upgrade\r\n"
                    + "Upgrade: websocket\r\n\r\n").read();
            assertThat(switched.status()).isEqualTo(101);

            for (String message : List.of("ping", "through TLS", "pong")) {
                client.send(message);
                assertThat(client.readBytes(message.length())).isEqualTo(message);
            }
        }
        assertThat(backend.connections()).isEqualTo(1);
    }

    @Test
    void plainAndTlsRoutesToOneAddressNeverShareAConnection() throws Exception {
        TestBackend backend = backend(TestBackend.tlsOrPlain("both", signed.serverContext()));
        String replicas = TestConfigs.replicas(List.of(backend), List.of())
                + "tls-v1:\n" + TestConfigs.replica(backend) + "tls-v2: []\n";
        BalancerProcess balancer = balancer(replicas, """
                  - {name: secure, pathPrefix: /secure, stable: {service: tls-v1}, canary: {service: tls-v2},
                     backendTls: {ca: backend-ca.pem}}
                  - {name: plain, pathPrefix: /}
                """);

        try (RawHttp client = new RawHttp(balancer.port())) {
            for (int i = 0; i < 10; i++) {
                assertThat(client.send("GET /secure/tls HTTP/1.1\r\nHost: lb\r\n\r\n").read().body()).isEqualTo("tls");
                assertThat(client.send("GET /tls HTTP/1.1\r\nHost: lb\r\n\r\n").read().body()).isEqualTo("plain");
            }
        }

        assertThat(backend.connections()).as("one of each kind, each kept alive").isEqualTo(2);
    }
}
