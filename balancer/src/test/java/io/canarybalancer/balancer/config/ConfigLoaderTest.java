package io.canarybalancer.balancer.config;

import io.canarybalancer.balancer.config.BalancerConfig.ConsulDiscovery;
import io.canarybalancer.balancer.config.BalancerConfig.FileDiscovery;
import io.canarybalancer.balancer.config.spec.AnalysisSettings;
import io.canarybalancer.balancer.config.spec.PoolRef;
import io.canarybalancer.balancer.config.spec.RouteSpec;
import io.canarybalancer.balancer.config.yaml.ConfigException;
import io.canarybalancer.balancer.discovery.consul.ConsulSettings;
import io.canarybalancer.balancer.mirror.CompareRules;
import io.canarybalancer.balancer.mirror.JsonPath;
import io.canarybalancer.balancer.mirror.MirrorSettings;
import io.canarybalancer.balancer.proxy.TransportChoice;
import io.canarybalancer.balancer.route.BackendProtocol;
import io.canarybalancer.balancer.route.BackendTls;
import io.canarybalancer.balancer.route.Fallback;
import io.canarybalancer.balancer.route.GrpcCodes;
import io.canarybalancer.balancer.route.HeaderRule;
import io.canarybalancer.balancer.route.StickyRule;
import io.canarybalancer.balancer.route.Strategy;
import io.canarybalancer.balancer.route.Upstream;
import io.canarybalancer.balancer.tls.CertificateFiles;
import io.canarybalancer.balancer.tls.TestCertificates;
import io.canarybalancer.balancer.tls.TlsSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    @Test
    void readsTheDocumentedExample() throws Exception {
        BalancerConfig config = ConfigLoader.load(write("""
                listen: 0.0.0.0:48151
                admin:
                  listen: 127.0.0.1:48152
                discovery:
                  file: replicas.yml
                timeouts:
                  connect: 500ms
                  response: 10s
                routes:
                  - name: credit
                    pathPrefix: /credit
                    stable: {service: service-v1, tag: credit}
                    canary: {service: service-v2, tag: credit}
                    strategy: weight
                    weight: 10
                    header: {name: X-Mistery-Shopper, value: "1"}
                    fallback: reject
                  - name: message
                    pathPrefix: /
                    stable: {service: service-v1, tag: message}
                    canary: {service: service-v2, tag: message}
                """));

        assertThat(config.listen().getPort()).isEqualTo(48151);
        assertThat(config.adminListen().getAddress().isLoopbackAddress()).isTrue();
        assertThat(config.discovery()).isEqualTo(new FileDiscovery(dir.resolve("replicas.yml").toAbsolutePath()));
        assertThat(config.proxy().connectTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(config.proxy().responseTimeout()).isEqualTo(Duration.ofSeconds(10));
        RouteSpec credit = config.routes().get(0);
        assertThat(credit.stable()).isEqualTo(new PoolRef("service-v1", "credit"));
        assertThat(credit.policy().strategy()).isEqualTo(Strategy.WEIGHT);
        assertThat(credit.policy().canaryWeight()).isEqualTo(10);
        assertThat(credit.policy().header()).isEqualTo(new HeaderRule("X-Mistery-Shopper", "1"));
        assertThat(credit.policy().fallback()).isEqualTo(Fallback.REJECT);
        assertThat(config.routes().get(1).policy().strategy()).isEqualTo(Strategy.REPLICAS);
    }

    @Test
    void withoutRoutesRunsTheSeedRoute() throws Exception {
        BalancerConfig config = ConfigLoader.load(write("discovery: {file: r.yml}\n"));

        assertThat(config.listen().getPort()).isEqualTo(BalancerConfig.DEFAULT_PORT);
        assertThat(config.routes()).containsExactly(BalancerConfig.seedRoute());
        assertThat(config.routes().get(0).policy().header()).isEqualTo(HeaderRule.DEFAULT);
    }

    @Test
    void theTransportIsAutoUnlessNamed() throws Exception {
        assertThat(ConfigLoader.load(write("discovery: {file: r.yml}\n")).proxy().transport())
                .isEqualTo(TransportChoice.AUTO);
    }

    @ParameterizedTest
    @CsvSource({"auto, AUTO", "epoll, EPOLL", "io_uring, IO_URING", "nio, NIO"})
    void readsEachTransport(String text, TransportChoice expected) throws Exception {
        BalancerConfig config = ConfigLoader.load(write("discovery: {file: r.yml}\ntransport: " + text + "\n"));

        assertThat(config.proxy().transport()).isEqualTo(expected);
    }

    @Test
    void websocketIsTheOnlyUpgradeAndTunnelsIdleAnHourUnlessConfigured() throws Exception {
        BalancerConfig config = ConfigLoader.load(write("discovery: {file: r.yml}\n"));

        assertThat(config.proxy().upgrades().names()).containsExactly("websocket");
        assertThat(config.proxy().tunnelIdleTimeout()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void readsTheUpgradesAndTheTunnelIdleTimeout() throws Exception {
        BalancerConfig config = ConfigLoader.load(write(
                "discovery: {file: r.yml}\nupgrades: [WebSocket, customproto]\ntimeouts: {tunnelIdle: 90s}\n"));

        assertThat(config.proxy().upgrades().names()).containsExactly("websocket", "customproto");
        assertThat(config.proxy().tunnelIdleTimeout()).isEqualTo(Duration.ofSeconds(90));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "unknown strategy | routes: [{strategy: canary}]"
                    + " | routes[0].strategy: unknown strategy 'canary' (expected replicas, header or weight)",
            "negative weight | routes: [{strategy: weight, weight: -5}]"
                    + " | routes[0].weight: must be between 0 and 100, got -5",
            "weight over 100 | routes: [{strategy: weight, weight: 101}]"
                    + " | routes[0].weight: must be between 0 and 100, got 101",
            "weight not a number | routes: [{strategy: weight, weight: ten}]"
                    + " | routes[0].weight: must be a whole number, got \"ten\"",
            "weight missing for weight | routes: [{strategy: weight}]"
                    + " | routes[0].weight: is required when strategy is weight (canary percent, 0 to 100)",
            "unknown fallback | routes: [{fallback: maybe}]"
                    + " | routes[0].fallback: unknown fallback 'maybe' (expected stable or reject)",
            "unknown route field | routes: [{pathprefix: /x}]"
                    + " | routes[0].pathprefix: unknown field (expected one of",
            "prefix without slash | routes: [{pathPrefix: credit}]"
                    + " | routes[0].pathPrefix: must start with '/', got 'credit'",
            "duplicate prefix | routes: [{name: a, pathPrefix: /a}, {name: b, pathPrefix: /a}]"
                    + " | routes[1].pathPrefix: another route already has the prefix /a",
            "empty routes | routes: []"
                    + " | routes: must list at least one route",
            "bad listen | listen: localhost"
                    + " | listen: must be host:port, got 'localhost'",
            "port out of range | listen: ':70000'"
                    + " | listen: port must be between 0 and 65535, got 70000",
            "bad duration | timeouts: {connect: soon}"
                    + " | timeouts.connect: must be a duration such as 500ms, 30s or 5m, got 'soon'",
            "unknown top field | lisen: ':1'"
                    + " | lisen: unknown field (expected one of",
            "header without name | routes: [{header: {value: x, name: ''}}]"
                    + " | routes[0].header.name: must not be empty",
            "h2c as an upgrade | upgrades: [websocket, h2c]"
                    + " | upgrades[1]: h2c cannot be tunnelled: an Upgrade to h2c is answered as HTTP/1.1",
            "upgrade not a token | upgrades: ['web socket']"
                    + " | upgrades[0]: must be a protocol name (letters, digits and !#$%&'*+.^_`|~-), got 'web socket'",
            "tunnelIdle zero | timeouts: {tunnelIdle: 0s}"
                    + " | timeouts.tunnelIdle: must be longer than zero",
            "unknown transport | transport: uring"
                    + " | transport: unknown transport 'uring' (expected auto, epoll, io_uring or nio)",
            "transport in capitals | transport: EPOLL"
                    + " | transport: unknown transport 'EPOLL' (expected auto, epoll, io_uring or nio)",
            "unknown limit | limits: {headers: 10}"
                    + " | limits.headers: unknown field (expected one of",
            "header count zero | limits: {headerCount: 0}"
                    + " | limits.headerCount: must be between 1 and 10000, got 0",
            "request line too short | limits: {requestLine: 10}"
                    + " | limits.requestLine: must be between 256 and 1048576, got 10",
            "header size not a number | limits: {headerSize: 16k}"
                    + " | limits.headerSize: must be a whole number, got \"16k\"",
            "sticky by both | routes: [{sticky: {header: X-User, cookie: cid}}]"
                    + " | routes[0].sticky: needs exactly one of header",
            "sticky by nothing | routes: [{sticky: {}}]"
                    + " | routes[0].sticky: needs exactly one of header",
            "bad cookie name | routes: [{sticky: {cookie: 'a b'}}]"
                    + " | routes[0].sticky.cookie: must be a cookie name",
            "bad sticky header name | routes: [{sticky: {header: 'User Id'}}]"
                    + " | routes[0].sticky.header: must be a header name",
            "window over a day | routes: [{analysis: {window: 25h, interval: 1m}}]"
                    + " | routes[0].analysis.window: must be at most 24h, got '25h'",
            "too many checks per window | routes: [{analysis: {window: 5m, interval: 10ms}}]"
                    + " | routes[0].analysis.interval: must be at least the window / 3600",
            "unknown sticky field | routes: [{sticky: {query: u}}]"
                    + " | routes[0].sticky.query: unknown field (expected one of",
            "schedule without weight strategy | routes: [{analysis: {schedule: {steps: [5, 50]}}}]"
                    + " | routes[0].analysis.schedule: steps the canary weight, so the route's strategy must be weight,"
                    + " not replicas",
            "steps not increasing | routes: [{strategy: weight, analysis: {schedule: {steps: [5, 50, 25]}}}]"
                    + " | routes[0].analysis.schedule.steps[2]: steps must increase, got 25 after 50",
            "step over 100 | routes: [{strategy: weight, analysis: {schedule: {steps: [5, 150]}}}]"
                    + " | routes[0].analysis.schedule.steps[1]: must be between 1 and 100, got 150",
            "no steps | routes: [{strategy: weight, weight: 5, analysis: {schedule: {pause: 1m}}}]"
                    + " | routes[0].analysis.schedule.steps: must list the canary weights",
            "margin not a number | routes: [{analysis: {errorRateMargin: 5%}}]"
                    + " | routes[0].analysis.errorRateMargin: must be a number, got \"5%\"",
            "margin of 1 | routes: [{analysis: {errorRateMargin: 1}}]"
                    + " | routes[0].analysis.errorRateMargin: must be between 0.0 and 0.99, got 1.0",
            "latency ratio below 1 | routes: [{analysis: {latencyRatio: 0.5}}]"
                    + " | routes[0].analysis.latencyRatio: must be between 1.0 and 1000.0, got 0.5",
            "interval beyond window | routes: [{analysis: {window: 10s, interval: 1m}}]"
                    + " | routes[0].analysis.interval: must not be longer than the window",
            "min requests zero | routes: [{analysis: {minRequests: 0}}]"
                    + " | routes[0].analysis.minRequests: must be between 1 and 1000000, got 0",
            "duration beyond a long | timeouts: {connect: 99999999999999999999s}"
                    + " | timeouts.connect: must be at most 5m, got '99999999999999999999s'",
            "duration beyond nanoseconds | timeouts: {response: 9999999999999h}"
                    + " | timeouts.response: must be at most 24h, got '9999999999999h'",
            "connect timeout beyond an int of milliseconds | timeouts: {connect: 600h}"
                    + " | timeouts.connect: must be at most 5m, got '600h'",
            "request head timeout of a day | timeouts: {requestHead: 24h}"
                    + " | timeouts.requestHead: must be at most 10m, got '24h'",
            "drain of a day | timeouts: {drain: 1440m}"
                    + " | timeouts.drain: must be at most 1h, got '1440m'",
            "idle time beyond a day | timeouts: {clientIdle: 25h}"
                    + " | timeouts.clientIdle: must be at most 24h, got '25h'",
            "latency margin beyond nanoseconds | routes: [{analysis: {latencyMargin: 99999999999h}}]"
                    + " | routes[0].analysis.latencyMargin: must be at most 1h, got '99999999999h'",
            "schedule pause beyond a day"
                    + " | routes: [{strategy: weight, analysis: {schedule: {steps: [5], pause: 2000000000m}}}]"
                    + " | routes[0].analysis.schedule.pause: must be at most 24h, got '2000000000m'",
            "consul grace beyond a day | discovery: {consul: {emptyAnswerGrace: 100000h}}"
                    + " | discovery.consul.emptyAnswerGrace: must be at most 24h, got '100000h'",
            "header rule name not a token | routes: [{header: {name: 'X Canary'}}]"
                    + " | routes[0].header.name: must be a header name",
            "header rule name with a colon | routes: [{header: {name: 'X-Canary:'}}]"
                    + " | routes[0].header.name: must be a header name",
            "allowed hosts not a list | admin: {allowedHosts: admin.example}"
                    + " | admin.allowedHosts: must be a list",
            "allowed host with a space | admin: {allowedHosts: ['bad host']}"
                    + " | admin.allowedHosts[0]: must be a host name or IP address without a port, got 'bad host'",
            "allowed host with a port | admin: {allowedHosts: ['admin.example:8080']}"
                    + " | admin.allowedHosts[0]: must be a host name or IP address without a port,"
                    + " got 'admin.example:8080'",
            "backend TLS neither flag nor mapping | routes: [{backendTls: on-demand}]"
                    + " | routes[0].backendTls: must be true, false or a mapping of ca, verify and serverName, got 'on-demand'",
            "backend TLS unknown field | routes: [{backendTls: {cert: client.pem}}]"
                    + " | routes[0].backendTls.cert: unknown field (expected one of",
            "backend TLS verify not a flag | routes: [{backendTls: {verify: maybe}}]"
                    + " | routes[0].backendTls.verify: must be true or false, got 'maybe'",
            "backend TLS CA file missing | routes: [{backendTls: {ca: nowhere.pem}}]"
                    + " | routes[0].backendTls.ca: no such file: ",
            "backend TLS server name an IP | routes: [{backendTls: {serverName: 10.0.0.1}}]"
                    + " | routes[0].backendTls.serverName: must be a DNS name (it is sent as SNI, which cannot carry"
                    + " an IP address), got '10.0.0.1'",
            "backend TLS server name with a space | routes: [{backendTls: {serverName: 'api internal'}}]"
                    + " | routes[0].backendTls.serverName: must be a DNS name",
            "h2 without backend TLS | routes: [{backendProtocol: h2}]"
                    + " | routes[0].backendProtocol: h2 is HTTP/2 over TLS, so the route needs backendTls",
            "h2c with backend TLS | routes: [{backendProtocol: h2c, backendTls: true}]"
                    + " | routes[0].backendProtocol: h2c is HTTP/2 in clear text, but the route sets backendTls:"
                    + " for HTTP/2 over TLS use h2",
            "unknown backend protocol | routes: [{backendProtocol: http2}]"
                    + " | routes[0].backendProtocol: must be http1, h2c or h2, got 'http2'",
            "gRPC failure code OK | routes: [{grpcFailureCodes: [UNAVAILABLE, OK]}]"
                    + " | routes[0].grpcFailureCodes: 'OK' is not a gRPC status code other than OK",
            "gRPC failure code 17 | routes: [{grpcFailureCodes: [17]}]"
                    + " | routes[0].grpcFailureCodes: '17' is not a gRPC status code other than OK",
            "unknown gRPC failure code | routes: [{grpcFailureCodes: [SERVER_ERROR]}]"
                    + " | routes[0].grpcFailureCodes: 'SERVER_ERROR' is not a gRPC status code other than OK (a name"
                    + " such as UNAVAILABLE, or a number from 1 to 16)",
            "gRPC failure codes not a list | routes: [{grpcFailureCodes: UNAVAILABLE}]"
                    + " | routes[0].grpcFailureCodes: must be a list",
            "streams zero | limits: {streams: 0}"
                    + " | limits.streams: must be between 1 and 10000, got 0",
            "streams over the limit | limits: {streams: 10001}"
                    + " | limits.streams: must be between 1 and 10000, got 10001",
            "negative connection cap | limits: {backendConnections: -1}"
                    + " | limits.backendConnections: must be between 0 and 1000000, got -1",
            "connection cap not a number | limits: {backendConnections: many}"
                    + " | limits.backendConnections: must be a whole number, got \"many\"",
    })
    void reportsFileFieldAndReason(String problem, String yaml, String expected) throws IOException {
        Path file = write((yaml.startsWith("discovery:") ? "" : "discovery: {file: replicas.yml}\n") + yaml + "\n");

        int line = yaml.startsWith("discovery:") ? 1 : 2;

        assertThatThrownBy(() -> ConfigLoader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file + ":" + line + ": " + expected.strip());
    }

    @Test
    void anErrorNamesTheLineOfTheFieldAtFault() throws IOException {
        Path file = write("""
                discovery:
                  file: replicas.yml
                routes:
                  - name: message
                    pathPrefix: /
                  - name: credit
                    pathPrefix: /credit
                    strategy: weight
                    weight: 150
                """);

        assertThatThrownBy(() -> ConfigLoader.load(file))
                .hasMessage(file + ":9: routes[1].weight: must be between 0 and 100, got 150");
    }

    @Test
    void readsRequestLimitsWithDefaultsForTheRest() throws Exception {
        BalancerConfig config = ConfigLoader.load(write("""
                discovery: {file: r.yml}
                limits:
                  requestLine: 4096
                  headerCount: 50
                """));

        assertThat(config.proxy().maxInitialLineLength()).isEqualTo(4096);
        assertThat(config.proxy().maxHeaderCount()).isEqualTo(50);
        assertThat(config.proxy().maxHeaderSize()).isEqualTo(16384);
        assertThat(ConfigLoader.load(write2("discovery: {file: r.yml}\n")).proxy().maxHeaderCount()).isEqualTo(100);
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = dir.resolve("nope.yml");

        assertThatThrownBy(() -> ConfigLoader.load(missing))
                .hasMessage(missing + ": file does not exist");
    }

    @Test
    void aYamlSyntaxErrorNamesLineAndColumn() throws IOException {
        Path file = write("discovery:\n  file: [unclosed\n");

        assertThatThrownBy(() -> ConfigLoader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file + ": line ")
                .hasMessageContaining("invalid YAML");
    }

    @Test
    void duplicateKeysAreRejected() throws IOException {
        Path file = write("discovery: {file: a.yml}\nlisten: ':1'\nlisten: ':2'\n");

        assertThatThrownBy(() -> ConfigLoader.load(file)).hasMessageContaining("Duplicate field 'listen'");
    }

    @Test
    void readsConsulDiscoveryAndLetsTheEnvironmentOverrideIt() throws Exception {
        Path file = write("discovery:\n  consul: {url: 'consul.internal:8500', token: from-file, datacenter: dc2,"
                + " wait: 10s, emptyAnswerGrace: 1m}\n");

        ConsulSettings fromFile = consul(ConfigLoader.load(file, Map.of()));
        ConsulSettings fromEnv = consul(ConfigLoader.load(file,
                Map.of("CONSUL_HTTP_ADDR", "https://10.1.1.1:8501", "CONSUL_HTTP_TOKEN", "from-env")));

        assertThat(fromFile.url()).isEqualTo("http://consul.internal:8500");
        assertThat(fromFile.token()).isEqualTo("from-file");
        assertThat(fromFile.datacenter()).isEqualTo("dc2");
        assertThat(fromFile.blockingWait()).isEqualTo(Duration.ofSeconds(10));
        assertThat(fromFile.emptyAnswerGrace()).isEqualTo(Duration.ofMinutes(1));
        assertThat(fromEnv.url()).isEqualTo("https://10.1.1.1:8501");
        assertThat(fromEnv.token()).isEqualTo("from-env");
    }

    @Test
    void withoutAFileTheSeedSetupWatchesConsulFromTheEnvironment() {
        BalancerConfig config = BalancerConfig.defaults(Map.of("CONSUL_HTTP_ADDR", "127.0.0.1:18500"));

        assertThat(consul(config).url()).isEqualTo("http://127.0.0.1:18500");
        assertThat(BalancerConfig.defaults(Map.of()).discovery())
                .isEqualTo(new ConsulDiscovery(ConsulSettings.of("http://127.0.0.1:8500", null, null)));
        assertThat(config.services()).containsExactly("service-v1", "service-v2");
        assertThat(config.listen().getPort()).isEqualTo(48151);
    }

    @Test
    void fileAndConsulTogetherAreRefused() throws IOException {
        Path file = write("discovery: {file: r.yml, consul: {url: 'http://x:8500'}}\n");

        assertThatThrownBy(() -> ConfigLoader.load(file))
                .hasMessage(file + ":1: discovery: needs exactly one of file or consul");
    }

    @Test
    void aConsulWaitAboveTheLimitIsRefused() throws IOException {
        Path file = write("discovery: {consul: {wait: 11m}}\n");

        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
                .hasMessage(file + ":1: discovery.consul.wait: must be at most 10m (Consul's limit), got '11m'");
    }

    @Test
    void aHeaderRuleValueWithAControlCharacterIsRefused() throws IOException {
        Path file = write("discovery: {file: r.yml}\nroutes: [{header: {name: X-Canary, value: \"o\\u0007n\"}}]\n");

        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
                .hasMessage(file + ":2: routes[0].header.value: must not contain control characters");
    }

    @Test
    void aReplicaFilePathThatCannotBeAPathIsRefused() throws IOException {
        Path file = write("discovery: {file: \"replicas\\0.yml\"}\n");

        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file + ":1: discovery.file: not a usable path: ");
    }

    @Test
    void aConsulAddressFromTheEnvironmentIsValidatedToo() throws IOException {
        Path file = write("discovery: {consul: {url: 'http://127.0.0.1:8500'}}\n");

        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of("CONSUL_HTTP_ADDR", "http://[bad")))
                .hasMessage(file + ":1: discovery.consul.url: CONSUL_HTTP_ADDR must be an http(s) URL such as"
                        + " http://127.0.0.1:8500, got 'http://[bad'");
    }

    @Test
    void readsTheAdminListenersAllowedHosts() throws Exception {
        BalancerConfig config = ConfigLoader.load(write(
                "discovery: {file: r.yml}\nadmin: {allowedHosts: [Balancer.Internal, 10.0.0.7, '[::1]']}\n"), Map.of());

        assertThat(config.adminAllowedHosts()).containsExactly("balancer.internal", "10.0.0.7", "[::1]");
        assertThat(ConfigLoader.load(write("discovery: {file: r.yml}\n"), Map.of()).adminAllowedHosts()).isEmpty();
    }

    private static ConsulSettings consul(BalancerConfig config) {
        return ((ConsulDiscovery) config.discovery()).settings();
    }

    @Test
    void anAdminListenerBeyondLoopbackNeedsAToken() throws Exception {
        Path open = write("discovery: {file: r.yml}\nadmin: {listen: '0.0.0.0:48152'}\n");
        Path guarded = write2("discovery: {file: r.yml}\nadmin: {listen: '0.0.0.0:48152', token: t0k3n}\naccessLog: true\n");

        assertThatThrownBy(() -> ConfigLoader.load(open, Map.of()))
                .hasMessage(open + ":2: admin.token: is required when admin.listen is not a loopback address"
                        + " (or set BALANCER_ADMIN_TOKEN)");
        BalancerConfig config = ConfigLoader.load(guarded, Map.of());
        assertThat(config.adminToken()).isEqualTo("t0k3n");
        assertThat(config.accessLog()).isTrue();
        assertThat(ConfigLoader.load(open, Map.of("BALANCER_ADMIN_TOKEN", "from-env")).adminToken()).isEqualTo("from-env");
    }

    private Path write2(String yaml) throws IOException {
        Path file = dir.resolve("other.yml");
        Files.writeString(file, yaml);
        return file;
    }

    @Test
    void readsStickyAssignmentAndCanaryAnalysis() throws Exception {
        BalancerConfig config = ConfigLoader.load(write("""
                discovery: {file: replicas.yml}
                routes:
                  - name: message
                    strategy: weight
                    sticky: {header: X-User-Id}
                    analysis:
                      window: 30s
                      interval: 500ms
                      minRequests: 80
                      errorRateMargin: 0.02
                      latencyRatio: 1.5
                      latencyMargin: 20ms
                      schedule: {steps: [5, 25, 50, 100], pause: 2m}
                  - name: credit
                    pathPrefix: /credit
                    sticky: {cookie: canary_id}
                    analysis: {}
                """));

        RouteSpec message = config.routes().get(0);
        assertThat(message.policy().sticky()).isEqualTo(new StickyRule(StickyRule.Source.HEADER, "X-User-Id"));
        assertThat(message.policy().canaryWeight()).as("a schedule starts at its first step").isEqualTo(5);
        assertThat(message.analysis()).isEqualTo(new AnalysisSettings(Duration.ofSeconds(30), Duration.ofMillis(500),
                80, 0.02, 1.5, Duration.ofMillis(20), List.of(5, 25, 50, 100), Duration.ofMinutes(2)));
        RouteSpec credit = config.routes().get(1);
        assertThat(credit.policy().sticky()).isEqualTo(new StickyRule(StickyRule.Source.COOKIE, "canary_id"));
        assertThat(credit.analysis()).isEqualTo(new AnalysisSettings(AnalysisSettings.DEFAULT_WINDOW,
                AnalysisSettings.DEFAULT_INTERVAL, AnalysisSettings.DEFAULT_MIN_REQUESTS,
                AnalysisSettings.DEFAULT_ERROR_RATE_MARGIN, AnalysisSettings.DEFAULT_LATENCY_RATIO,
                AnalysisSettings.DEFAULT_LATENCY_MARGIN, List.of(), AnalysisSettings.DEFAULT_STEP_PAUSE));
        assertThat(config.routes()).noneMatch(route -> route.policy().canaryHalted());
    }

    @Test
    void aRouteWithoutStickyOrAnalysisHasNeither() throws Exception {
        RouteSpec route = ConfigLoader.load(write("discovery: {file: replicas.yml}\nroutes: [{name: a}]\n"))
                .routes().get(0);
        assertThat(route.policy().sticky()).isNull();
        assertThat(route.analysis()).isNull();
    }

    @Test
    void readsBackendTlsWithFilesRelativeToTheConfig() throws Exception {
        TestCertificates ca = new TestCertificates("backend CA");
        Files.createDirectories(dir.resolve("tls"));
        ca.writeCa(dir.resolve("tls/backend-ca.pem"));
        BalancerConfig config = ConfigLoader.load(write("""
                discovery: {file: replicas.yml}
                routes:
                  - {name: plain, pathPrefix: /plain}
                  - {name: off, pathPrefix: /off, backendTls: false}
                  - {name: jdk, pathPrefix: /jdk, backendTls: true}
                  - {name: ca, pathPrefix: /ca, backendTls: {ca: tls/backend-ca.pem}}
                  - {name: named, pathPrefix: /named, backendTls: {ca: tls/backend-ca.pem, serverName: api.internal}}
                  - {name: test, pathPrefix: /test, backendTls: {verify: false}}
                """));

        List<BackendTls> settings = config.routes().stream().map(RouteSpec::backendTls).toList();
        assertThat(settings).containsExactly(null, null, BackendTls.DEFAULT,
                new BackendTls(List.of(ca.ca()), "tls/backend-ca.pem", true, null),
                new BackendTls(List.of(ca.ca()), "tls/backend-ca.pem", true, "api.internal"),
                new BackendTls(List.of(), null, false, null));
    }

    @Test
    void readsTheBackendProtocolAndTheGrpcFailureCodesOfEachRoute() throws Exception {
        BalancerConfig config = ConfigLoader.load(write("""
                discovery: {file: replicas.yml}
                routes:
                  - {name: plain, pathPrefix: /plain}
                  - {name: one, pathPrefix: /one, backendProtocol: http1, backendTls: true}
                  - {name: clear, pathPrefix: /clear, backendProtocol: H2C, grpcFailureCodes: [unavailable, 13, '4']}
                  - {name: tls, pathPrefix: /tls, backendProtocol: h2, backendTls: {verify: false}, grpcFailureCodes: []}
                """));

        List<Upstream> upstreams = config.routes().stream().map(RouteSpec::upstream).toList();
        assertThat(upstreams).containsExactly(Upstream.PLAIN,
                new Upstream(BackendProtocol.HTTP1, BackendTls.DEFAULT, GrpcCodes.SERVER_FAILURES),
                new Upstream(BackendProtocol.H2C, null, GrpcCodes.of(List.of("DEADLINE_EXCEEDED", "INTERNAL", "UNAVAILABLE"))),
                new Upstream(BackendProtocol.H2, new BackendTls(List.of(), null, false, null), GrpcCodes.of(List.of())));
        assertThat(upstreams.get(2).grpcFailures().names()).containsExactly("DEADLINE_EXCEEDED", "INTERNAL", "UNAVAILABLE");
    }

    @Test
    void anHttp2ClientMayOpenAHundredStreamsUnlessConfigured() throws Exception {
        assertThat(ConfigLoader.load(write("discovery: {file: r.yml}\n")).proxy().maxConcurrentStreams()).isEqualTo(100);
        assertThat(ConfigLoader.load(write("discovery: {file: r.yml}\nlimits: {streams: 250}\n")).proxy()
                .maxConcurrentStreams()).isEqualTo(250);
        assertThat(ConfigLoader.load(write("discovery: {file: r.yml}\nlimits: {streams: 1}\n")).proxy()
                .maxConcurrentStreams()).isEqualTo(1);
    }

    @Test
    void connectionsToAReplicaAreUncappedUnlessConfigured() throws Exception {
        assertThat(ConfigLoader.load(write("discovery: {file: r.yml}\n")).proxy().limits().backendConnections())
                .isZero();
        assertThat(ConfigLoader.load(write("discovery: {file: r.yml}\nlimits: {backendConnections: 50}\n")).proxy()
                .limits().backendConnections()).isEqualTo(50);
    }

    @Test
    void aCaFileThatHoldsNoCertificateStopsStartUp() throws IOException {
        Files.writeString(dir.resolve("empty.pem"), "");
        Files.writeString(dir.resolve("key.pem"), "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ+qJ8xI\n"
                + "-----END PRIVATE KEY-----\n");
        Path empty = write("discovery: {file: r.yml}\nroutes: [{backendTls: {ca: empty.pem}}]\n");

        assertThatThrownBy(() -> ConfigLoader.load(empty)).hasMessage(empty + ":2: routes[0].backendTls.ca: "
                + dir.resolve("empty.pem") + " holds no PEM certificate");
        Path key = write("discovery: {file: r.yml}\nroutes: [{backendTls: {ca: key.pem}}]\n");
        assertThatThrownBy(() -> ConfigLoader.load(key)).hasMessageStartingWith(key + ":2: routes[0].backendTls.ca: "
                + dir.resolve("key.pem") + " is not a PEM certificate file (");
    }

    @Test
    void discoveryIsRequired() throws IOException {
        Path file = write("listen: ':1'\n");

        assertThatThrownBy(() -> ConfigLoader.load(file)).hasMessage(file + ": discovery: is required (file: PATH, or consul: {url: ...})");
    }

    @Test
    void readsPlainAndTlsListenersWithCertificateFilesBesideTheConfig() throws Exception {
        TestCertificates certificates = new TestCertificates();
        certificates.write(TestCertificates.leaf("www", "www.example.com"), dir.resolve("server.pem"),
                dir.resolve("server-key.pem"));
        Files.createDirectories(dir.resolve("sni"));
        certificates.write(TestCertificates.leaf("api", "api.example.com"), dir.resolve("sni/api.pem"),
                dir.resolve("sni/api-key.pem"));

        BalancerConfig config = ConfigLoader.load(write("""
                discovery: {file: replicas.yml}
                listen:
                  - 0.0.0.0:48151
                  - address: 0.0.0.0:48443
                    tls:
                      cert: server.pem
                      key: server-key.pem
                      sni:
                        - cert: sni/api.pem
                          key: sni/api-key.pem
                          names: [API.example.com, '*.api.example.com']
                        - {cert: sni/api.pem, key: sni/api-key.pem}
                  - address: 127.0.0.1:0
                  - 127.0.0.1:0
                """));

        assertThat(config.listen().getPort()).isEqualTo(48151);
        assertThat(config.listeners()).extracting(listener -> listener.address().getPort())
                .containsExactly(48151, 48443, 0, 0);
        assertThat(config.listeners().get(0).tls()).isNull();
        assertThat(config.listeners().get(2).tls()).isNull();
        TlsSettings tls = config.listeners().get(1).tls();
        Path folder = dir.toAbsolutePath();
        assertThat(tls.certificate()).isEqualTo(new CertificateFiles(folder.resolve("server.pem"),
                folder.resolve("server-key.pem")));
        assertThat(tls.sni()).containsExactly(
                new CertificateFiles(folder.resolve("sni/api.pem"), folder.resolve("sni/api-key.pem"),
                        List.of("api.example.com", "*.api.example.com")),
                new CertificateFiles(folder.resolve("sni/api.pem"), folder.resolve("sni/api-key.pem")));
    }

    @Test
    void aBadListenEntryStopsStartUpNamingFieldAndReason() throws Exception {
        TestCertificates certificates = new TestCertificates();
        certificates.write(TestCertificates.leaf("www", "www.example.com"), dir.resolve("server.pem"),
                dir.resolve("server-key.pem"));
        certificates.write(TestCertificates.leaf("nameless"), dir.resolve("nameless.pem"), dir.resolve("nameless-key.pem"));
        TestCertificates.writeStrayKey(dir.resolve("stray-key.pem"), "RSA");
        Instant now = Instant.now();
        certificates.write(TestCertificates.leaf("old", "old.example.com")
                        .withValidity(now.minus(Duration.ofDays(9)), now.minus(Duration.ofDays(2))),
                dir.resolve("old.pem"), dir.resolve("old-key.pem"));
        Path folder = dir.toAbsolutePath();

        assertListenError("listen: []", "listen: must list at least one address");
        assertListenError("listen: [127.0.0.1:8080, '0.0.0.0:8080']",
                "listen[1]: port 8080 is already bound by listen[0] (127.0.0.1:8080)");
        assertListenError("listen: [{address: '[::]:8443'}, {address: '[::1]:8443'}]",
                "listen[1].address: port 8443 is already bound by listen[0] ([0:0:0:0:0:0:0:0]:8443)");
        assertListenError("listen: [{tls: {cert: server.pem, key: server-key.pem}}]",
                "listen[0].address: is required (host:port)");
        assertListenError("listen: [{address: ':8443', tls: {cert: server.pem, key: server-key.pem, chain: c.pem}}]",
                "listen[0].tls.chain: unknown field (expected one of");
        assertListenError("listen: [{address: ':8443', tls: {cert: server.pem}}]", "listen[0].tls.key: is required");
        assertListenError("listen: [{address: ':8443', tls: {cert: missing.pem, key: server-key.pem}}]",
                "listen[0].tls.cert: " + folder.resolve("missing.pem") + ": file does not exist");
        assertListenError("listen: [{address: ':8443', tls: {cert: server.pem, key: stray-key.pem}}]",
                "listen[0].tls.key: " + folder.resolve("stray-key.pem") + ": the key does not match the certificate"
                        + " server.pem");
        assertListenError("listen: [{address: ':8443', tls: {cert: old.pem, key: old-key.pem}}]",
                "listen[0].tls.cert: " + folder.resolve("old.pem") + ": the certificate expired on");
        assertListenError("listen: [{address: ':8443', tls: {cert: server.pem, key: server-key.pem,"
                        + " sni: [{cert: server.pem, key: server-key.pem, names: ['bad name']}]}}]",
                "listen[0].tls.sni[0].names[0]: must be a DNS name such as api.example.com");
        assertListenError("listen: [{address: ':8443', tls: {cert: server.pem, key: server-key.pem,"
                        + " sni: [{cert: server.pem, key: server-key.pem, names: ['*.*.example.com']}]}}]",
                "listen[0].tls.sni[0].names[0]: must be a DNS name");
        assertListenError("listen: [{address: ':8443', tls: {cert: server.pem, key: server-key.pem,"
                        + " sni: [{cert: nameless.pem, key: nameless-key.pem}]}}]",
                "listen[0].tls.sni[0].cert: " + folder.resolve("nameless.pem") + ": the certificate has no DNS names"
                        + " to choose it by; list them in names");
    }

    private void assertListenError(String yaml, String expected) throws IOException {
        Path file = write("discovery: {file: replicas.yml}\n" + yaml + "\n");
        assertThatThrownBy(() -> ConfigLoader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file + ":2: " + expected);
    }

    @Test
    void readsAMirrorWithEveryFieldAndTheMaxDiffRateThatJudgesIt() throws Exception {
        RouteSpec route = ConfigLoader.load(write("""
                discovery: {file: replicas.yml}
                routes:
                  - name: api
                    strategy: weight
                    weight: 0
                    mirror:
                      percent: 10
                      methods: [GET, POST, PATCH]
                      maxBodyBytes: 1024
                      timeout: 750ms
                      maxInFlight: 8
                      compare: [status, {headers: [Content-Type, X-Version]}, {body: json}]
                      ignoreJsonPaths: [$.timestamp, "$.items[*].replica"]
                    analysis:
                      minRequests: 30
                      maxDiffRate: 0.02
                      schedule: {steps: [10, 50, 100], pause: 30s}
                """)).routes().get(0);

        assertThat(route.mirror()).isEqualTo(new MirrorSettings(10, Set.of("GET", "POST", "PATCH"), 1024,
                new CompareRules(true, List.of("content-type", "x-version"), CompareRules.BodyMode.JSON,
                        List.of(JsonPath.parse("$.timestamp"), JsonPath.parse("$.items[*].replica"))),
                Duration.ofMillis(750), 8));
        assertThat(route.analysis().maxDiffRate()).isEqualTo(0.02);
        assertThat(route.analysis().minRequests()).isEqualTo(30);
        assertThat(route.policy().canaryWeight()).as("a dark launch stays at 0% until the mirror judged it")
                .isZero();
    }

    @Test
    void aMirrorNeedsOnlyItsPercentAndDefaultsTheRest() throws Exception {
        RouteSpec route = ConfigLoader.load(write("""
                discovery: {file: replicas.yml}
                routes:
                  - name: api
                    mirror: {percent: 25}
                    analysis: {}
                  - name: plain
                    pathPrefix: /plain
                """)).routes().get(0);

        assertThat(route.mirror()).isEqualTo(new MirrorSettings(25, Set.of("GET", "HEAD"), 65536,
                new CompareRules(true, List.of(), CompareRules.BodyMode.AUTO, List.of()), Duration.ofSeconds(5), 64));
        assertThat(route.mirror().compare()).isEqualTo(CompareRules.DEFAULT);
        assertThat(route.analysis().maxDiffRate()).isEqualTo(0.05);
    }

    @Test
    void aRouteWithoutAMirrorHasNone() throws Exception {
        assertThat(ConfigLoader.load(write("discovery: {file: replicas.yml}\nroutes: [{name: a, analysis: {}}]\n"))
                .routes().get(0).mirror()).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "status only | [status] | true | | NONE",
            "body only | [body] | false | | AUTO",
            "headers and exact body | [{headers: [ETag, content-type]}, {body: exact}] | false | etag content-type | EXACT",
            "body as auto | [status, {body: auto}] | true | | AUTO",
    })
    void readsWhatAMirrorCompares(String name, String compare, boolean status, String headers,
                                  CompareRules.BodyMode body) throws Exception {
        RouteSpec route = ConfigLoader.load(write("discovery: {file: replicas.yml}\nroutes: [{mirror: {percent: 5,"
                + " compare: " + compare + "}}]\n")).routes().get(0);

        assertThat(route.mirror().compare()).isEqualTo(new CompareRules(status,
                headers == null ? List.of() : List.of(headers.split(" ")), body, List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "percent missing | routes: [{mirror: {methods: [GET]}}]"
                    + " | routes[0].mirror.percent: is required: the share of requests copied to the canary, 1 to 100",
            "percent 0 | routes: [{mirror: {percent: 0}}]"
                    + " | routes[0].mirror.percent: must be between 1 and 100, got 0",
            "percent 101 | routes: [{mirror: {percent: 101}}]"
                    + " | routes[0].mirror.percent: must be between 1 and 100, got 101",
            "unknown mirror field | routes: [{mirror: {percent: 10, share: 5}}]"
                    + " | routes[0].mirror.share: unknown field (expected one of",
            "lower-case method | routes: [{mirror: {percent: 10, methods: [GET, post]}}]"
                    + " | routes[0].mirror.methods[1]: must be an HTTP method in upper case, such as GET or POST,"
                    + " got 'post'",
            "CONNECT | routes: [{mirror: {percent: 10, methods: [CONNECT]}}]"
                    + " | routes[0].mirror.methods[0]: CONNECT is not proxied, so it cannot be mirrored",
            "no methods | routes: [{mirror: {percent: 10, methods: []}}]"
                    + " | routes[0].mirror.methods: must list at least one method",
            "unknown compare item | routes: [{mirror: {percent: 10, compare: [status, latency]}}]"
                    + " | routes[0].mirror.compare[1]: must be status, body, {headers: [...]} or"
                    + " {body: auto|exact|json}, got 'latency'",
            "unknown body mode | routes: [{mirror: {percent: 10, compare: [{body: nonsense}]}}]"
                    + " | routes[0].mirror.compare[0].body: must be auto, exact or json, got 'nonsense'",
            "nothing compared | routes: [{mirror: {percent: 10, compare: []}}]"
                    + " | routes[0].mirror.compare: must list what to compare",
            "compared header not a token | routes: [{mirror: {percent: 10, compare: [{headers: ['X Version']}]}}]"
                    + " | routes[0].mirror.compare[0].headers[0]: must be a header name",
            "ignored paths with exact bodies"
                    + " | routes: [{mirror: {percent: 10, compare: [{body: exact}], ignoreJsonPaths: [$.at]}}]"
                    + " | routes[0].mirror.compare: ignoreJsonPaths needs the bodies compared as JSON",
            "ignored paths without bodies"
                    + " | routes: [{mirror: {percent: 10, compare: [status], ignoreJsonPaths: [$.at]}}]"
                    + " | routes[0].mirror.compare: ignoreJsonPaths needs the bodies compared as JSON",
            "mirror over h2c | routes: [{backendProtocol: h2c, mirror: {percent: 10}}]"
                    + " | routes[0].mirror: copies requests over HTTP/1.1, but the route's backendProtocol is h2c",
            "maxBodyBytes negative | routes: [{mirror: {percent: 10, maxBodyBytes: -1}}]"
                    + " | routes[0].mirror.maxBodyBytes: must be between 0 and",
            "maxInFlight zero | routes: [{mirror: {percent: 10, maxInFlight: 0}}]"
                    + " | routes[0].mirror.maxInFlight: must be between 1 and",
            "maxDiffRate without a mirror | routes: [{analysis: {maxDiffRate: 0.1}}]"
                    + " | routes[0].analysis.maxDiffRate: judges the answers a mirror compares, but the route has"
                    + " no mirror",
            "maxDiffRate of 1 | routes: [{mirror: {percent: 10}, analysis: {maxDiffRate: 1}}]"
                    + " | routes[0].analysis.maxDiffRate: must be between 0.0 and 0.99, got 1.0",
            "maxDiffRate negative | routes: [{mirror: {percent: 10}, analysis: {maxDiffRate: -0.1}}]"
                    + " | routes[0].analysis.maxDiffRate: must be between 0.0 and 0.99, got -0.1",
    })
    void reportsAMirrorsFileFieldAndReason(String problem, String yaml, String expected) throws IOException {
        Path file = write("discovery: {file: replicas.yml}\n" + yaml + "\n");

        assertThatThrownBy(() -> ConfigLoader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file + ":2: " + expected.strip());
    }

    @ParameterizedTest
    @ValueSource(strings = {"timestamp", "$.", "$.items[", "$..x", "$['unclosed"})
    void reportsAnIgnoredJsonPathThatIsNotOneWithJsonPathsReason(String path) throws IOException {
        Path file = write("discovery: {file: replicas.yml}\nroutes:\n  - mirror:\n      percent: 10\n"
                + "      ignoreJsonPaths: [$.ok, \"" + path + "\"]\n");
        String reason = catchThrowableOfType(IllegalArgumentException.class, () -> JsonPath.parse(path)).getMessage();

        assertThatThrownBy(() -> ConfigLoader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ":5: routes[0].mirror.ignoreJsonPaths[1]: " + reason);
    }

    private Path write(String yaml) throws IOException {
        Path file = dir.resolve("balancer.yml");
        Files.writeString(file, yaml);
        return file;
    }
}
