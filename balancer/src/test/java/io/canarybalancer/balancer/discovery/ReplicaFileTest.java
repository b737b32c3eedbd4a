package io.canarybalancer.balancer.discovery;

import io.canarybalancer.balancer.config.yaml.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReplicaFileTest {
    private static final Path FILE = Path.of("replicas.yml");

    @Test
    void readsServicesWithDefaults() throws ConfigException {
        Catalog catalog = parse("""
                service-v1:
                  - {address: 127.0.0.1, port: 9001, tags: [message]}
                  - {address: 127.0.0.1, port: 9002, tags: [message, eu], weight: 2, id: s2}
                service-v2: []
                """);

        assertThat(catalog.instances("service-v1")).containsExactly(
                new ServiceInstance("127.0.0.1:9001", "127.0.0.1", 9001, List.of("message"), 1),
                new ServiceInstance("s2", "127.0.0.1", 9002, List.of("message", "eu"), 2));
        assertThat(catalog.instances("service-v2")).isEmpty();
        assertThat(catalog.instances("unknown")).isEmpty();
    }

    @Test
    void anEmptyFileIsAnEmptyCatalog() throws ConfigException {
        assertThat(parse("").services()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "no port | 'service-v1: [{address: a}]' | service-v1[0].port: is required",
            "bad port | 'service-v1: [{address: a, port: 0}]' | service-v1[0].port: must be between 1 and 65535, got 0",
            "zero weight | 'service-v1: [{address: a, port: 1, weight: 0}]' | service-v1[0].weight: must be between 1 and 65535, got 0",
            "no address | 'service-v1: [{port: 1}]' | service-v1[0].address: is required",
            "unknown field | 'service-v1: [{address: a, port: 1, host: b}]' | service-v1[0].host: unknown field",
            "not a list | 'service-v1: {address: a}' | service-v1: must be a list",
            "duplicate id | 'service-v1: [{address: a, port: 1}, {address: a, port: 1}]' | service-v1[1]: duplicate replica id 'a:1'",
            "not a mapping | '- a' | must be a mapping",
            "bad address | 'service-v1: [{address: \"not a host!\", port: 1}]' | service-v1[0].address: not an IP address or host name: not a host!",
            "huge weight | 'service-v1: [{address: a, port: 1, weight: 70000}]' | service-v1[0].weight: must be between 1 and 65535, got 70000",
    })
    void rejectsWithFieldAndReason(String problem, String yaml, String expected) {
        assertThatThrownBy(() -> parse(yaml))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(FILE + ":1: " + expected);
    }

    @Test
    void anEntryThatCannotBeUsedIsNamedWithItsLine() {
        String yaml = """
                service-v1:
                  - address: 127.0.0.1
                    port: 9001
                  - address: 127.0.0.1
                    port: 0
                  - address: 127.0.0.1
                """;

        assertThatThrownBy(() -> parse(yaml))
                .hasMessage(FILE + ":5: service-v1[1].port: must be between 1 and 65535, got 0");
        assertThatThrownBy(() -> parse(yaml.replace("port: 0", "port: 9002")))
                .hasMessage(FILE + ":6: service-v1[2].port: is required");
    }

    private static Catalog parse(String yaml) throws ConfigException {
        return ReplicaFile.parse(FILE, yaml.getBytes(StandardCharsets.UTF_8));
    }
}
