package io.canarybalancer.balancer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

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
                + ": routes[0].strategy: unknown strategy 'blue-green' (expected replicas, header or weight)");
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
}
