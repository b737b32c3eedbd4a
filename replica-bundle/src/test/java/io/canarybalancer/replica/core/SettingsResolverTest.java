package io.canarybalancer.replica.core;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SettingsResolverTest {

    private static final ReplicaSettings.Timings TIMINGS = new ReplicaSettings.Timings(
            Duration.ofSeconds(5), Duration.ofSeconds(2), Duration.ofMinutes(1), Duration.ofSeconds(1),
            Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(3));

    private static SettingsResolver.Configured configured(String serviceName, List<String> tags, String version,
                                                          String address, String consulUrl) {
        return new SettingsResolver.Configured("credit-service", serviceName, tags, version, address, consulUrl,
                null, TIMINGS);
    }

    private static ReplicaSettings resolve(Map<String, String> env, SettingsResolver.Configured configured) {
        return new SettingsResolver(env::get, () -> "10.1.2.3").resolve(configured);
    }

    @Test
    void defaultsToServiceV1DetectedAddressAndNoConsul() {
        ReplicaSettings settings = resolve(Map.of(), configured(null, null, null, null, null));

        assertThat(settings.serviceName()).isEqualTo("service-v1");
        assertThat(settings.version()).isEqualTo("v1");
        assertThat(settings.tags()).isEmpty();
        assertThat(settings.address()).isEqualTo("10.1.2.3");
        assertThat(settings.consulUrl()).isEmpty();
        assertThat(settings.consulToken()).isEmpty();
    }

    @Test
    void environmentWinsOverConfiguration() {
        Map<String, String> env = Map.of("SERVICE_NAME", "service-v2", "SERVICE_TAGS", "credit,canary",
                "SERVICE_VERSION", "v7", "SERVICE_ADDRESS", "10.9.9.9", "CONSUL_HTTP_ADDR", "consul:8500",
                "CONSUL_HTTP_TOKEN", "t0k3n");

        ReplicaSettings settings = resolve(env,
                configured("service-v1", List.of("message"), "v1", "127.0.0.1", "http://other:8500"));

        assertThat(settings.serviceName()).isEqualTo("service-v2");
        assertThat(settings.tags()).containsExactly("credit", "canary");
        assertThat(settings.version()).isEqualTo("v7");
        assertThat(settings.address()).isEqualTo("10.9.9.9");
        assertThat(settings.consulUrl()).contains(URI.create("http://consul:8500"));
        assertThat(settings.consulToken()).contains("t0k3n");
    }

    @Test
    void configurationWinsOverDefaultsAndBlankEnvironmentCountsAsUnset() {
        Map<String, String> env = Map.of("SERVICE_NAME", "  ", "SERVICE_ADDRESS", "");

        ReplicaSettings settings = resolve(env,
                configured("service-v3", List.of("credit"), null, "127.0.0.1", "https://consul.local"));

        assertThat(settings.serviceName()).isEqualTo("service-v3");
        assertThat(settings.version()).isEqualTo("v3");
        assertThat(settings.tags()).containsExactly("credit");
        assertThat(settings.address()).isEqualTo("127.0.0.1");
        assertThat(settings.consulUrl()).contains(URI.create("https://consul.local:8501"));
    }

    @Test
    void versionIsTheNamesVersionSuffixOrUnknown() {
        assertThat(SettingsResolver.versionOf("service-v2")).isEqualTo("v2");
        assertThat(SettingsResolver.versionOf("credit-V12")).isEqualTo("v12");
        assertThat(SettingsResolver.versionOf("credit")).isEqualTo("unknown");
        assertThat(SettingsResolver.versionOf("service-v2-beta")).isEqualTo("unknown");
    }

    @Test
    void tagsAreTrimmedWithoutBlanksOrDuplicates() {
        assertThat(SettingsResolver.parseTags(" credit, ,canary,credit,")).containsExactly("credit", "canary");
        assertThat(SettingsResolver.parseTags(",")).isEmpty();
    }

    @Test
    void consulAddressAcceptsHostPortAndUrls() {
        assertThat(SettingsResolver.parseConsulUrl("x", "127.0.0.1:8500")).isEqualTo(URI.create("http://127.0.0.1:8500"));
        assertThat(SettingsResolver.parseConsulUrl("x", "consul")).isEqualTo(URI.create("http://consul:8500"));
        assertThat(SettingsResolver.parseConsulUrl("x", "http://consul:18500/")).isEqualTo(URI.create("http://consul:18500"));
    }

    @Test
    void unusableConsulAddressIsRefusedNamingItsSource() {
        assertThatThrownBy(() -> resolve(Map.of("CONSUL_HTTP_ADDR", "unix:///var/run/consul.sock"),
                configured(null, null, null, null, null)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("CONSUL_HTTP_ADDR: ");
        assertThatThrownBy(() -> resolve(Map.of(), configured(null, null, null, null, "http://")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("replica.consulUrl: ");
    }

    @Test
    void retryBoundShorterThanFirstRetryIsRefused() {
        ReplicaSettings.Timings bad = new ReplicaSettings.Timings(Duration.ofSeconds(5), Duration.ofSeconds(2),
                Duration.ofMinutes(1), Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofSeconds(30),
                Duration.ofSeconds(3));
        SettingsResolver.Configured configured = new SettingsResolver.Configured("s", null, null, null, null,
                null, null, bad);

        assertThatThrownBy(() -> resolve(Map.of(), configured)).hasMessageContaining("replica.maxRetryInterval");
    }

    @Test
    void goSecondsRendersWholeSecondsAtLeastOne() {
        assertThat(SettingsResolver.goSeconds(Duration.ofMinutes(1))).isEqualTo("60s");
        assertThat(SettingsResolver.goSeconds(Duration.ofMillis(10))).isEqualTo("1s");
    }
}
