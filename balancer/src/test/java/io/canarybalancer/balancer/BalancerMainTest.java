package io.canarybalancer.balancer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code --check}: each kind of problem prints file, field and reason, and exits non-zero. */
class BalancerMainTest {
    @TempDir
    Path dir;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void aValidConfigAndReplicaFilePass() throws Exception {
        Files.writeString(dir.resolve("replicas.yml"), "service-v1:\n  - {address: 127.0.0.1, port: 9001}\n");
        Path config = config("discovery: {file: replicas.yml}\n");

        assertThat(check(config)).isEqualTo(BalancerMain.OK);
        assertThat(stdout()).isEqualTo(config + ": OK (1 route(s))\n");
    }

    @Test
    void anUnknownStrategy() throws Exception {
        Path config = config("discovery: {file: replicas.yml}\nroutes: [{strategy: random}]\n");

        assertThat(check(config)).isEqualTo(BalancerMain.CONFIG_ERROR);
        assertThat(stderr()).isEqualTo(config
                + ":2: routes[0].strategy: unknown strategy 'random' (expected replicas, header or weight)\n");
    }

    @Test
    void aNegativeWeight() throws Exception {
        Path config = config("discovery: {file: replicas.yml}\nroutes: [{strategy: weight, weight: -1}]\n");

        assertThat(check(config)).isEqualTo(BalancerMain.CONFIG_ERROR);
        assertThat(stderr()).isEqualTo(config + ":2: routes[0].weight: must be between 0 and 100, got -1\n");
    }

    @Test
    void aMissingConfigFile() throws Exception {
        Path config = dir.resolve("absent.yml");

        assertThat(check(config)).isEqualTo(BalancerMain.CONFIG_ERROR);
        assertThat(stderr()).isEqualTo(config + ": file does not exist\n");
    }

    @Test
    void aMissingReplicaFile() throws Exception {
        Path config = config("discovery: {file: replicas.yml}\n");

        assertThat(check(config)).isEqualTo(BalancerMain.CONFIG_ERROR);
        assertThat(stderr()).isEqualTo(dir.resolve("replicas.yml") + ": file does not exist\n");
    }

    @Test
    void aYamlSyntaxError() throws Exception {
        Path config = config("discovery:\n  file: replicas.yml\n routes: x\n");

        assertThat(check(config)).isEqualTo(BalancerMain.CONFIG_ERROR);
        assertThat(stderr()).startsWith(config + ": line 3, column ").contains("invalid YAML");
    }

    @Test
    void anInvalidReplicaFileNamesItsOwnFileAndField() throws Exception {
        Files.writeString(dir.resolve("replicas.yml"), "service-v1:\n  - {address: 127.0.0.1, port: 99999}\n");
        Path config = config("discovery: {file: replicas.yml}\n");

        assertThat(check(config)).isEqualTo(BalancerMain.CONFIG_ERROR);
        assertThat(stderr()).isEqualTo(dir.resolve("replicas.yml")
                + ":2: service-v1[0].port: must be between 1 and 65535, got 99999\n");
    }

    private int check(Path config) throws InterruptedException {
        return BalancerMain.run(new String[] {"--check", config.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private Path config(String yaml) throws Exception {
        Path file = dir.resolve("balancer.yml");
        Files.writeString(file, yaml);
        return file;
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }
}
