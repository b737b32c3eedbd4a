package io.canarybalancer.balancer;

import io.canarybalancer.balancer.config.BalancerConfig;
import io.canarybalancer.balancer.config.ConfigLoader;
import io.canarybalancer.balancer.tls.TestCertificates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Start-up succeeds whole or fails whole: a failure leaves no part of the balancer running. */
class BalancerStartTest {
    private static final List<String> OUR_THREADS = List.of("balancer-", "replica-file-watch", "canary-analysis",
            "consul-watch-", "tls-certificate-watch");

    @TempDir
    Path dir;

    @Test
    void anAdminPortInUseStopsTheProxyAndEveryThreadAlreadyStarted() throws Exception {
        Set<Thread> before = ourThreads();
        try (ServerSocket held = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Files.writeString(dir.resolve("replicas.yml"), "service-v1:\n  - {address: 127.0.0.1, port: 9001}\n");
            Path file = dir.resolve("balancer.yml");
            Files.writeString(file, "listen: 127.0.0.1:0\nadmin: {listen: '127.0.0.1:" + held.getLocalPort() + "'}\n"
                    + "discovery: {file: replicas.yml}\nroutes: [{strategy: weight, weight: 5, analysis: {}}]\n");
            BalancerConfig config = ConfigLoader.load(file);

            assertThatThrownBy(() -> Balancer.start(config))
                    .isInstanceOf(StartException.class)
                    .hasMessageStartingWith("admin.listen 127.0.0.1:" + held.getLocalPort()
                            + ": Address already in use");
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(ourThreads()).as("threads of the balancer left running").isSubsetOf(before));
    }

    @Test
    void aSecondListenersPortInUseNamesThatListenerAndStopsTheFirst() throws Exception {
        Set<Thread> before = ourThreads();
        new TestCertificates().write(TestCertificates.leaf("localhost", "localhost"), dir.resolve("server.pem"),
                dir.resolve("server-key.pem"));
        try (ServerSocket held = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Files.writeString(dir.resolve("replicas.yml"), "service-v1:\n  - {address: 127.0.0.1, port: 9001}\n");
            Path file = dir.resolve("balancer.yml");
            Files.writeString(file, "listen:\n  - {address: '127.0.0.1:0', tls: {cert: server.pem, key: server-key.pem}}\n"
                    + "  - '127.0.0.1:" + held.getLocalPort() + "'\n"
                    + "admin: {listen: '127.0.0.1:0'}\ndiscovery: {file: replicas.yml}\n");
            BalancerConfig config = ConfigLoader.load(file);

            assertThatThrownBy(() -> Balancer.start(config))
                    .isInstanceOf(StartException.class)
                    .hasMessageStartingWith("listen[1] 127.0.0.1:" + held.getLocalPort() + ": Address already in use");
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(ourThreads()).as("threads of the balancer left running").isSubsetOf(before));
    }

    @Test
    void everyListenersBoundAddressIsKnown() throws Exception {
        try (TestBackend backend = new TestBackend("stable-1")) {
            Path file = TestConfigs.config(dir, TestConfigs.replicas(List.of(backend), List.of()), "");
            TestConfigs.listen(file, "listen: ['127.0.0.1:0', '127.0.0.1:0']\n");

            try (Balancer balancer = Balancer.start(ConfigLoader.load(file))) {
                List<InetSocketAddress> addresses = balancer.localAddresses();
                assertThat(addresses).hasSize(2);
                assertThat(addresses.get(0)).isEqualTo(balancer.localAddress());
                assertThat(addresses.get(0).getPort()).isNotEqualTo(addresses.get(1).getPort()).isPositive();
                for (InetSocketAddress address : addresses) {
                    try (RawHttp raw = new RawHttp(address.getPort())) {
                        assertThat(raw.send("GET /version HTTP/1.1\r\nHost: lb\r\n\r\n").read().body())
                                .isEqualTo("stable-1");
                    }
                }
            }
        }
    }

    private static Set<Thread> ourThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .filter(thread -> OUR_THREADS.stream().anyMatch(thread.getName()::startsWith))
                .collect(Collectors.toSet());
    }
}
