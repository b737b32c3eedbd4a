package io.canarybalancer.balancer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The jar's command line, run as a user would. */
class CommandLineIT {
    @TempDir
    Path dir;

    @Test
    void checkAcceptsAValidConfig() throws Exception {
        Path config = TestConfigs.config(dir, "service-v1:\n  - {address: 127.0.0.1, port: 9001}\n", "");

        BalancerProcess.Result result = BalancerProcess.run("--check", config.toString());

        assertThat(result.exitCode()).isZero();
        assertThat(result.output()).contains("OK");
    }

    @Test
    void checkNamesFileFieldAndReasonOfAnUnknownStrategy() throws Exception {
        Path config = TestConfigs.config(dir, "service-v1: []\n", "routes:\n  - {pathPrefix: /, strategy: blue-green}\n");

        BalancerProcess.Result result = BalancerProcess.run("--check", config.toString());

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.output().strip()).isEqualTo(config
                + ":7: routes[0].strategy: unknown strategy 'blue-green' (expected replicas, header or weight)");
    }

    @Test
    void checkNamesFileFieldAndReasonOfANumberTooLarge() throws Exception {
        Path config = TestConfigs.config(dir, "service-v1: []\n", "timeouts: {stall: 99999999999999999999999s}\n");

        BalancerProcess.Result result = BalancerProcess.run("--check", config.toString());

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.output().strip())
                .isEqualTo(config + ":6: timeouts.stall: must be at most 24h, got '99999999999999999999999s'");
    }

    @Test
    void checkNamesFileFieldAndReasonOfAHeaderRuleThatIsNoHeaderName() throws Exception {
        Path config = TestConfigs.config(dir, "service-v1: []\n", "routes:\n  - {header: {name: 'X Canary'}}\n");

        BalancerProcess.Result result = BalancerProcess.run("--check", config.toString());

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.output().strip()).isEqualTo(config + ":7: routes[0].header.name: must be a header name"
                + " (letters, digits and !#$%&'*+.^_`|~-), got 'X Canary'");
    }

    @Test
    void aBadConfigStopsStartUpWithOneLine() throws Exception {
        Path config = dir.resolve("broken.yml");
        Files.writeString(config, "listen: [oops\n");

        BalancerProcess.Result result = BalancerProcess.run("--config", config.toString());

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.output().strip()).startsWith(config + ": line ").contains("invalid YAML").doesNotContain("\n");
    }

    @Test
    void versionAndHelpAnswer() throws Exception {
        assertThat(BalancerProcess.run("--version").output()).startsWith("canary-balancer 0.");
        BalancerProcess.Result help = BalancerProcess.run("--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.output()).contains("--config FILE").contains("--check FILE");
    }

    @Test
    void unknownArgumentsAreAUsageError() throws Exception {
        BalancerProcess.Result result = BalancerProcess.run("--frobnicate");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.output()).contains("Unknown arguments: --frobnicate").contains("Usage:");
    }

    @Test
    void aListenPortInUseEndsStartUpWithOneLineAndStatus1() throws Exception {
        try (ServerSocket held = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Path config = configListeningOn("listen: 127.0.0.1:" + held.getLocalPort(), "listen: 127.0.0.1:0");

            BalancerProcess.Result result = BalancerProcess.run("--config", config.toString());

            assertThat(result.exitCode()).isEqualTo(1);
            assertOneLineNames(result, "listen 127.0.0.1:" + held.getLocalPort(), "Address already in use");
        }
    }

    @Test
    void anAdminPortInUseEndsStartUpWithOneLineAndStatus1() throws Exception {
        try (ServerSocket held = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Path config = configListeningOn("listen: 127.0.0.1:0", "listen: 127.0.0.1:" + held.getLocalPort());

            BalancerProcess.Result result = BalancerProcess.run("--config", config.toString());

            assertThat(result.exitCode()).isEqualTo(1);
            assertOneLineNames(result, "admin.listen 127.0.0.1:" + held.getLocalPort(), "Address already in use");
        }
    }

    @Test
    void aPortHeldByAnOutgoingConnectionIsNamedAsSuch() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/net/tcp")),
                "Linux only: /proc/net/tcp tells listeners from connections");
        // Connecting takes a local port from the ephemeral range, as any outgoing connection may take 48151.
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             Socket outgoing = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
             Socket accepted = server.accept()) {
            int port = outgoing.getLocalPort();
            Path config = configListeningOn("listen: 127.0.0.1:" + port, "listen: 127.0.0.1:0");

            BalancerProcess.Result result = BalancerProcess.run("--config", config.toString());

            assertThat(result.exitCode()).isEqualTo(1);
            assertOneLineNames(result, "listen 127.0.0.1:" + port,
                    "port " + port + " is in use by an outgoing connection, not a listener");
        }
    }

    private Path configListeningOn(String listen, String adminListen) throws Exception {
        Files.writeString(dir.resolve("replicas.yml"), "service-v1: []\n");
        Path config = dir.resolve("balancer.yml");
        Files.writeString(config, listen + "\nadmin:\n  " + adminListen + "\ndiscovery:\n  file: replicas.yml\n");
        return config;
    }

    /** One line names the address and the reason; no stack trace. */
    private static void assertOneLineNames(BalancerProcess.Result result, String address, String reason) {
        assertThat(result.output().lines().filter(line -> line.contains(address)).toList())
                .as(result.output())
                .singleElement().satisfies(line -> assertThat(line).startsWith("Cannot start: ").contains(reason)
                        .doesNotContain("bind(..)"));
        assertThat(result.output()).doesNotContain("\tat ").doesNotContain("Exception");
    }
}
