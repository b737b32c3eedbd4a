package io.canarybalancer.balancer.config;

import io.canarybalancer.balancer.admin.AllowedHosts;
import io.canarybalancer.balancer.config.BalancerConfig.ConsulDiscovery;
import io.canarybalancer.balancer.config.BalancerConfig.Discovery;
import io.canarybalancer.balancer.config.BalancerConfig.FileDiscovery;
import io.canarybalancer.balancer.config.BalancerConfig.Listener;
import io.canarybalancer.balancer.config.spec.AnalysisSettings;
import io.canarybalancer.balancer.config.spec.PoolRef;
import io.canarybalancer.balancer.config.spec.RouteSpec;
import io.canarybalancer.balancer.config.yaml.ConfigException;
import io.canarybalancer.balancer.config.yaml.ConfigNode;
import io.canarybalancer.balancer.discovery.consul.ConsulSettings;
import io.canarybalancer.balancer.mirror.CompareRules;
import io.canarybalancer.balancer.mirror.JsonPath;
import io.canarybalancer.balancer.mirror.MirrorSettings;
import io.canarybalancer.balancer.proxy.ProxySettings;
import io.canarybalancer.balancer.proxy.TransportChoice;
import io.canarybalancer.balancer.proxy.http1.UpgradeProtocols;
import io.canarybalancer.balancer.proxy.pool.BackendTlsContexts;
import io.canarybalancer.balancer.route.BackendProtocol;
import io.canarybalancer.balancer.route.BackendTls;
import io.canarybalancer.balancer.route.Fallback;
import io.canarybalancer.balancer.route.GrpcCodes;
import io.canarybalancer.balancer.route.HeaderRule;
import io.canarybalancer.balancer.route.RoutePolicy;
import io.canarybalancer.balancer.route.StickyRule;
import io.canarybalancer.balancer.route.Strategy;
import io.canarybalancer.balancer.route.Upstream;
import io.canarybalancer.balancer.tls.CertificateFiles;
import io.canarybalancer.balancer.tls.CertificateLoadException;
import io.canarybalancer.balancer.tls.CertificatePair;
import io.canarybalancer.balancer.tls.TlsSettings;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLException;

/**
 * Reads and validates a balancer configuration file. Every problem is reported as a
 * {@link ConfigException} naming the file, the field and the reason; relative paths inside the file
 * resolve against the file's folder.
 */
public final class ConfigLoader {
    private static final Logger log = LoggerFactory.getLogger(ConfigLoader.class);
    private static final Set<String> ROOT = Set.of("listen", "admin", "discovery", "routes", "timeouts", "ioThreads",
            "accessLog", "maxConnections", "limits", "transport", "upgrades");
    private static final Set<String> ADMIN = Set.of("listen", "token", "allowedHosts");
    private static final Set<String> DISCOVERY = Set.of("file", "consul");
    private static final Set<String> CONSUL = Set.of("url", "token", "datacenter", "wait", "emptyAnswerGrace",
            "rolloutPrefix");
    private static final Set<String> ROUTE = Set.of("name", "pathPrefix", "stable", "canary", "strategy",
            "weight", "header", "fallback", "sticky", "analysis", "backendTls", "backendProtocol", "grpcFailureCodes", "mirror");
    private static final Set<String> BACKEND_TLS = Set.of("ca", "verify", "serverName");
    /** A DNS name: what SNI can carry. */
    private static final String DNS_NAME = "(?i)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*";
    private static final Set<String> STICKY = Set.of("header", "cookie");
    private static final Set<String> ANALYSIS = Set.of("window", "interval", "minRequests", "errorRateMargin",
            "latencyRatio", "latencyMargin", "schedule", "maxDiffRate");
    private static final Set<String> MIRROR = Set.of("percent", "methods", "maxBodyBytes", "timeout", "maxInFlight",
            "compare", "ignoreJsonPaths");
    private static final Set<String> COMPARE_HEADERS = Set.of("headers");
    private static final Set<String> COMPARE_BODY = Set.of("body");
    private static final int MAX_MIRROR_BODY = 16 * 1024 * 1024;
    private static final Set<String> SCHEDULE = Set.of("steps", "pause");
    private static final Duration MAX_CONSUL_WAIT = Duration.ofMinutes(10);
    private static final Duration MAX_LATENCY_MARGIN = Duration.ofHours(1);
    private static final int MAX_CHECKS_PER_WINDOW = 3_600;
    /** RFC 9110 token characters: what header and cookie names are made of. */
    private static final String TOKEN = "[A-Za-z0-9!#$%&'*+.^_`|~-]+";
    private static final Set<String> POOL = Set.of("service", "tag");
    private static final Set<String> HEADER = Set.of("name", "value");
    private static final Set<String> TIMEOUTS = Set.of("connect", "response", "clientIdle", "backendIdle", "drain",
            "requestHead", "stall", "tunnelIdle");
    private static final Set<String> LIMITS = Set.of("requestLine", "headerSize", "headerCount", "streams",
            "backendConnections");
    private static final Set<String> LISTENER = Set.of("address", "tls");
    private static final Set<String> TLS = Set.of("cert", "key", "sni");
    private static final Set<String> SNI = Set.of("cert", "key", "names");
    /** A DNS name as SNI sends it, or a wildcard for one label: {@code *.example.com}. */
    private static final String SERVER_NAME = "(\\*\\.)?([a-z0-9_]([a-z0-9_-]*[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?";

    private ConfigLoader() {
    }

    /** Loads {@code file}; {@code CONSUL_HTTP_ADDR} and {@code CONSUL_HTTP_TOKEN} in the environment win. */
    public static BalancerConfig load(Path file) throws ConfigException {
        return load(file, System.getenv());
    }

    public static BalancerConfig load(Path file, Map<String, String> env) throws ConfigException {
        ConfigNode root = ConfigNode.read(file);
        if (root.isMissing()) {
            throw root.error("the file is empty; it needs at least a discovery section");
        }
        root.requireObject(ROOT);
        BalancerConfig defaults = BalancerConfig.defaults(Map.of());
        List<Listener> listeners = listeners(root.get("listen"), file, defaults.listen());
        ConfigNode adminNode = root.get("admin").requireObject(ADMIN);
        InetSocketAddress admin = address(adminNode.get("listen"), defaults.adminListen());
        String adminToken = BalancerConfig.adminTokenFromEnv(env, adminNode.string("token", null));
        if (BalancerConfig.adminNeedsToken(admin, adminToken)) {
            throw adminNode.get("token").error("is required when admin.listen is not a loopback address"
                    + " (or set BALANCER_ADMIN_TOKEN)");
        }
        List<String> allowedHosts = allowedHosts(adminNode.get("allowedHosts"));
        Discovery discovery = discovery(root.get("discovery"), file, env);
        List<RouteSpec> routes = routes(root.get("routes"), file.toAbsolutePath().getParent());
        ProxySettings proxy = defaults.proxy()
                .withTimeouts(timeouts(root.get("timeouts"), defaults.proxy().timeouts()))
                .withLimits(limits(root.get("limits"), defaults.proxy().limits(),
                        root.integer("maxConnections", defaults.proxy().maxConnections(), 1, 1_000_000)))
                .withIoThreads(root.integer("ioThreads", 0, 0, 256))
                .withTransport(transport(root.get("transport")))
                .withUpgrades(upgrades(root.get("upgrades"), defaults.proxy().upgrades()));
        boolean accessLog = root.has("accessLog") && flag(root.get("accessLog"));
        return new BalancerConfig(file, listeners, admin, adminToken, allowedHosts, discovery, routes, proxy, accessLog);
    }

    /**
     * {@code listen}: one address, or a list of entries, each a bare address (plain HTTP) or
     * {@code {address, tls}}. No two entries may bind the same port on overlapping addresses.
     */
    private static List<Listener> listeners(ConfigNode node, Path configFile, InetSocketAddress fallback)
            throws ConfigException {
        if (!node.isList()) {
            return List.of(node.isMissing() ? new Listener(fallback, null) : listener(node, configFile));
        }
        List<ConfigNode> items = node.items();
        if (items.isEmpty()) {
            throw node.error("must list at least one address");
        }
        List<Listener> listeners = new ArrayList<>();
        for (ConfigNode item : items) {
            Listener listener = listener(item, configFile);
            for (int i = 0; i < listeners.size(); i++) {
                if (overlap(listeners.get(i).address(), listener.address())) {
                    ConfigNode at = item.isMapping() ? item.get("address") : item;
                    throw at.error("port " + listener.address().getPort() + " is already bound by " + node.field()
                            + "[" + i + "] (" + BalancerConfig.format(listeners.get(i).address()) + ")");
                }
            }
            listeners.add(listener);
        }
        return listeners;
    }

    /** Two binds that cannot both succeed: the same port (not 0, which picks a free one) on the same or any address. */
    private static boolean overlap(InetSocketAddress a, InetSocketAddress b) {
        return a.getPort() != 0 && a.getPort() == b.getPort() && (a.getAddress().equals(b.getAddress())
                || a.getAddress().isAnyLocalAddress() || b.getAddress().isAnyLocalAddress());
    }

    private static Listener listener(ConfigNode node, Path configFile) throws ConfigException {
        if (!node.isMapping()) {
            return new Listener(address(node, null), null);
        }
        node.requireObject(LISTENER);
        if (!node.has("address")) {
            throw node.get("address").error("is required (host:port)");
        }
        ConfigNode tls = node.get("tls").requireObject(TLS);
        return new Listener(address(node.get("address"), null), tls.isMissing() ? null : tls(tls, configFile));
    }

    /** {@code tls: {cert, key, sni: [{cert, key, names}]}}; each pair is loaded and checked now. */
    private static TlsSettings tls(ConfigNode node, Path configFile) throws ConfigException {
        CertificateFiles certificate = pair(node, configFile, List.of(), false);
        List<CertificateFiles> sni = new ArrayList<>();
        for (ConfigNode item : node.get("sni").items()) {
            item.requireObject(SNI);
            List<String> names = new ArrayList<>();
            for (ConfigNode name : item.get("names").items()) {
                String text = name.text().toLowerCase(Locale.ROOT);
                if (!text.matches(SERVER_NAME)) {
                    throw name.error("must be a DNS name such as api.example.com, or *.example.com for one label"
                            + " under it, got '" + name.text() + "'");
                }
                names.add(text);
            }
            if (item.has("names") && names.isEmpty()) {
                throw item.get("names").error("must list at least one name (or leave it out: the certificate's"
                        + " DNS names are used)");
            }
            sni.add(pair(item, configFile, names, true));
        }
        return new TlsSettings(certificate, sni);
    }

    /**
     * The {@code cert} and {@code key} of {@code node}, loaded and checked as the balancer would serve
     * them; an {@code sni} pair needs names to be chosen by, its own or the certificate's.
     */
    private static CertificateFiles pair(ConfigNode node, Path configFile, List<String> names, boolean sni)
            throws ConfigException {
        CertificateFiles files = new CertificateFiles(file(node, "cert", configFile), file(node, "key", configFile),
                names);
        try {
            CertificatePair.load(files, sni, Instant.now());
        } catch (CertificateLoadException e) {
            throw node.get(e.keyFile() ? "key" : "cert").error(e.describe());
        }
        return files;
    }

    /** A required file name of {@code node}, resolved against the configuration file's folder. */
    private static Path file(ConfigNode node, String key, Path configFile) throws ConfigException {
        String name = node.requiredString(key);
        try {
            return configFile.toAbsolutePath().getParent().resolve(name).normalize();
        } catch (InvalidPathException e) {
            throw node.get(key).error("not a usable path: " + e.getReason());
        }
    }

    /** {@code admin.allowedHosts}: more names requests may give as Host, such as a DNS name of the balancer. */
    private static List<String> allowedHosts(ConfigNode node) throws ConfigException {
        List<String> hosts = new ArrayList<>();
        for (ConfigNode item : node.items()) {
            String host = AllowedHosts.normalise(item.text());
            if (host == null) {
                throw item.error("must be a host name or IP address without a port, got '" + item.text() + "'");
            }
            hosts.add(host);
        }
        return hosts;
    }

    private static Discovery discovery(ConfigNode node, Path configFile, Map<String, String> env)
            throws ConfigException {
        if (node.isMissing()) {
            throw node.error("is required (file: PATH, or consul: {url: ...})");
        }
        node.requireObject(DISCOVERY);
        if (node.has("consul") == node.has("file")) {
            throw node.error("needs exactly one of file or consul");
        }
        if (node.has("consul")) {
            return consul(node.get("consul").requireObject(CONSUL), env);
        }
        String file = node.requiredString("file");
        Path parent = configFile.toAbsolutePath().getParent();
        try {
            return new FileDiscovery(parent.resolve(file).normalize());
        } catch (InvalidPathException e) {
            throw node.get("file").error("not a usable path: " + e.getReason());
        }
    }

    private static ConsulDiscovery consul(ConfigNode node, Map<String, String> env) throws ConfigException {
        String url = node.string("url", BalancerConfig.DEFAULT_CONSUL);
        consulUrl(node.get("url"), url, "");
        ConsulSettings base = BalancerConfig.consulFromEnv(env, url, node.string("token", null),
                node.string("datacenter", null));
        String fromEnv = env.get("CONSUL_HTTP_ADDR");
        if (fromEnv != null && !fromEnv.isBlank()) {
            consulUrl(node.get("url"), fromEnv, "CONSUL_HTTP_ADDR ");
        }
        Duration wait = node.duration("wait", base.blockingWait());
        if (wait.compareTo(MAX_CONSUL_WAIT) > 0) {
            throw node.get("wait").error("must be at most " + ConfigNode.format(MAX_CONSUL_WAIT)
                    + " (Consul's limit), got '" + node.get("wait").text() + "'");
        }
        return new ConsulDiscovery(new ConsulSettings(base.url(), base.token(), base.datacenter(), wait,
                node.duration("emptyAnswerGrace", base.emptyAnswerGrace()), base.backoffMin(), base.backoffMax(),
                base.burst(), base.minInterval()),
                node.string("rolloutPrefix", ConsulDiscovery.DEFAULT_ROLLOUT_PREFIX));
    }

    /** The routes; files they name are resolved against {@code dir}, the config file's folder. */
    private static List<RouteSpec> routes(ConfigNode node, Path dir) throws ConfigException {
        if (node.isMissing()) {
            return List.of(BalancerConfig.seedRoute());
        }
        List<ConfigNode> items = node.items();
        if (items.isEmpty()) {
            throw node.error("must list at least one route");
        }
        List<RouteSpec> routes = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> prefixes = new HashSet<>();
        for (ConfigNode item : items) {
            RouteSpec route = route(item.requireObject(ROUTE), dir);
            if (!names.add(route.name())) {
                throw item.get("name").error("another route is already named '" + route.name() + "'");
            }
            if (!prefixes.add(route.pathPrefix())) {
                throw item.get("pathPrefix").error("another route already has the prefix " + route.pathPrefix());
            }
            routes.add(route);
        }
        return routes;
    }

    /** Fails unless {@code url} (from the file, or from {@code source}) is an http(s) URL with a host. */
    private static void consulUrl(ConfigNode node, String url, String source) throws ConfigException {
        try {
            URI uri = new URI(ConsulSettings.normaliseUrl(url));
            if (uri.getHost() != null) {
                return;
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        throw node.error(source + "must be an http(s) URL such as http://127.0.0.1:8500, got '" + url + "'");
    }

    private static RouteSpec route(ConfigNode node, Path dir) throws ConfigException {
        String prefix = node.string("pathPrefix", "/");
        if (!prefix.startsWith("/")) {
            throw node.get("pathPrefix").error("must start with '/', got '" + prefix + "'");
        }
        String name = node.string("name", prefix);
        PoolRef stable = pool(node.get("stable"), "service-v1");
        PoolRef canary = pool(node.get("canary"), "service-v2");

        Strategy strategy;
        try {
            strategy = Strategy.parse(node.string("strategy", Strategy.REPLICAS.label()));
        } catch (IllegalArgumentException e) {
            throw node.get("strategy").error(e.getMessage());
        }
        AnalysisSettings analysis = analysis(node.get("analysis"));
        if (analysis != null && analysis.scheduled() && strategy != Strategy.WEIGHT) {
            throw node.get("analysis").get("schedule").error("steps the canary weight, so the route's strategy must be"
                    + " weight, not " + strategy.label());
        }
        boolean weightImplied = analysis != null && analysis.scheduled();
        if (strategy == Strategy.WEIGHT && !node.has("weight") && !weightImplied) {
            throw node.get("weight").error("is required when strategy is weight (canary percent, 0 to 100)");
        }
        int weight = node.integer("weight", weightImplied ? analysis.steps().get(0) : 0, 0, 100);

        ConfigNode header = node.get("header").requireObject(HEADER);
        HeaderRule rule = header.isMissing() ? HeaderRule.DEFAULT
                : new HeaderRule(header.has("name") ? token(header.get("name"), "header") : HeaderRule.DEFAULT.name(),
                        header.has("value") ? fieldValue(header.get("value")) : null);
        Fallback fallback;
        try {
            fallback = Fallback.parse(node.string("fallback", Fallback.STABLE.label()));
        } catch (IllegalArgumentException e) {
            throw node.get("fallback").error(e.getMessage());
        }
        BackendTls backendTls = backendTls(node.get("backendTls"), dir);
        if (backendTls != null && !backendTls.verify()) {
            log.warn("Route {}: backendTls.verify is false: backend certificates are not checked, so anyone on the"
                    + " path can pose as a backend; for test setups only", name);
        }
        if (backendTls != null && backendTls.verify() && backendTls.defaultTrust() && backendTls.serverName() == null) {
            log.warn("Route {}: backendTls checks the backends' certificates against the JDK's public CAs without a"
                    + " serverName, so any certificate a public CA issued passes; name the CA (ca) or the server"
                    + " name (serverName)", name);
        }
        Upstream upstream = upstream(node, backendTls);
        MirrorSettings mirror = mirror(node.get("mirror"));
        if (mirror != null && upstream.protocol().http2()) {
            throw node.get("mirror").error("copies requests over HTTP/1.1, but the route's backendProtocol is "
                    + upstream.protocol().label());
        }
        if (mirror == null && node.get("analysis").has("maxDiffRate")) {
            throw node.get("analysis").get("maxDiffRate").error("judges the answers a mirror compares, but the"
                    + " route has no mirror");
        }
        return new RouteSpec(name, prefix, stable, canary,
                new RoutePolicy(strategy, weight, rule, fallback, sticky(node.get("sticky")), false), analysis,
                upstream, mirror);
    }

    /**
     * {@code mirror: {percent, methods, maxBodyBytes, timeout, maxInFlight, compare, ignoreJsonPaths}},
     * or {@code null} when the route has none.
     */
    private static MirrorSettings mirror(ConfigNode node) throws ConfigException {
        node.requireObject(MIRROR);
        if (node.isMissing()) {
            return null;
        }
        if (!node.has("percent")) {
            throw node.get("percent").error("is required: the share of requests copied to the canary, 1 to 100");
        }
        Set<String> methods = MirrorSettings.DEFAULT_METHODS;
        if (node.has("methods")) {
            methods = new LinkedHashSet<>();
            for (ConfigNode method : node.get("methods").items()) {
                String name = method.text();
                if (!name.matches(TOKEN) || !name.equals(name.toUpperCase(Locale.ROOT))) {
                    throw method.error("must be an HTTP method in upper case, such as GET or POST, got '" + name + "'");
                }
                if (name.equals("CONNECT")) {
                    throw method.error("CONNECT is not proxied, so it cannot be mirrored");
                }
                methods.add(name);
            }
            if (methods.isEmpty()) {
                throw node.get("methods").error("must list at least one method");
            }
        }
        List<JsonPath> ignored = new ArrayList<>();
        for (ConfigNode path : node.get("ignoreJsonPaths").items()) {
            try {
                ignored.add(JsonPath.parse(path.text()));
            } catch (IllegalArgumentException e) {
                throw path.error(e.getMessage());
            }
        }
        return new MirrorSettings(node.integer("percent", 0, 1, 100), methods,
                node.integer("maxBodyBytes", MirrorSettings.DEFAULT_MAX_BODY_BYTES, 0, MAX_MIRROR_BODY),
                compareRules(node.get("compare"), ignored),
                node.duration("timeout", MirrorSettings.DEFAULT_TIMEOUT),
                node.integer("maxInFlight", MirrorSettings.DEFAULT_MAX_IN_FLIGHT, 1, 100_000));
    }

    /** {@code compare: [status, {headers: [name, ...]}, body | {body: auto|exact|json}]}; default status and body. */
    private static CompareRules compareRules(ConfigNode node, List<JsonPath> ignored) throws ConfigException {
        if (node.isMissing()) {
            return new CompareRules(true, List.of(), CompareRules.BodyMode.AUTO, ignored);
        }
        boolean status = false;
        List<String> headers = new ArrayList<>();
        CompareRules.BodyMode body = CompareRules.BodyMode.NONE;
        List<ConfigNode> items = node.items();
        if (items.isEmpty()) {
            throw node.error("must list what to compare: status, {headers: [...]}, body");
        }
        for (ConfigNode item : items) {
            if (item.isMapping() && item.has("headers")) {
                item.requireObject(COMPARE_HEADERS);
                for (ConfigNode header : item.get("headers").items()) {
                    headers.add(token(header, "header").toLowerCase(Locale.ROOT));
                }
            } else if (item.isMapping()) {
                item.requireObject(COMPARE_BODY);
                String mode = item.get("body").text();
                try {
                    body = CompareRules.BodyMode.valueOf(mode.toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw item.get("body").error("must be auto, exact or json, got '" + mode + "'");
                }
                if (body == CompareRules.BodyMode.NONE) {
                    throw item.get("body").error("must be auto, exact or json, got '" + mode + "'");
                }
            } else {
                switch (item.text()) {
                    case "status" -> status = true;
                    case "body" -> body = CompareRules.BodyMode.AUTO;
                    default -> throw item.error("must be status, body, {headers: [...]} or {body: auto|exact|json},"
                            + " got '" + item.text() + "'");
                }
            }
        }
        if (!ignored.isEmpty() && (body == CompareRules.BodyMode.NONE || body == CompareRules.BodyMode.EXACT)) {
            throw node.error("ignoreJsonPaths needs the bodies compared as JSON: add body (auto) or {body: json}");
        }
        return new CompareRules(status, headers, body, ignored);
    }

    /** {@code backendProtocol} (http1, h2c or h2) with the route's TLS, and {@code grpcFailureCodes}. */
    private static Upstream upstream(ConfigNode node, BackendTls tls) throws ConfigException {
        BackendProtocol protocol;
        try {
            protocol = BackendProtocol.parse(node.string("backendProtocol", BackendProtocol.HTTP1.label()));
        } catch (IllegalArgumentException e) {
            throw node.get("backendProtocol").error(e.getMessage());
        }
        if (protocol == BackendProtocol.H2 && tls == null) {
            throw node.get("backendProtocol").error("h2 is HTTP/2 over TLS, so the route needs backendTls"
                    + " (true, or a mapping of ca, verify and serverName); h2c is HTTP/2 in clear text");
        }
        if (protocol == BackendProtocol.H2C && tls != null) {
            throw node.get("backendProtocol").error("h2c is HTTP/2 in clear text, but the route sets backendTls:"
                    + " for HTTP/2 over TLS use h2");
        }
        GrpcCodes failures = GrpcCodes.SERVER_FAILURES;
        ConfigNode codes = node.get("grpcFailureCodes");
        if (!codes.isMissing()) {
            List<String> names = new ArrayList<>();
            for (ConfigNode code : codes.items()) {
                names.add(code.text());
            }
            try {
                failures = GrpcCodes.of(names);
            } catch (IllegalArgumentException e) {
                throw codes.error(e.getMessage());
            }
        }
        return new Upstream(protocol, tls, failures);
    }

    /**
     * {@code backendTls: true} (the JDK's trust store) or {@code {ca: FILE, verify: true|false,
     * serverName: NAME}}; {@code null} (plain HTTP) when missing or {@code false}. The setting is
     * tried out here, so a file the TLS engine cannot use stops start-up rather than every request.
     */
    private static BackendTls backendTls(ConfigNode node, Path dir) throws ConfigException {
        if (node.isMissing()) {
            return null;
        }
        BackendTls tls;
        if (!node.isMapping()) {
            String text = node.text();
            if (!text.equals("true") && !text.equals("false")) {
                throw node.error("must be true, false or a mapping of ca, verify and serverName, got '" + text + "'");
            }
            tls = text.equals("true") ? BackendTls.DEFAULT : null;
        } else {
            node.requireObject(BACKEND_TLS);
            boolean verify = !node.has("verify") || flag(node.get("verify"));
            List<X509Certificate> trusted = node.has("ca") ? certificates(node.get("ca"), dir) : List.of();
            String serverName = null;
            if (node.has("serverName")) {
                serverName = node.get("serverName").text();
                if (!serverName.matches(DNS_NAME) || serverName.matches("[0-9.]+")) {
                    throw node.get("serverName").error("must be a DNS name (it is sent as SNI, which cannot carry"
                            + " an IP address), got '" + serverName + "'");
                }
            }
            tls = new BackendTls(trusted, node.has("ca") ? node.get("ca").text() : null, verify, serverName);
        }
        if (tls != null) {
            try {
                BackendTlsContexts.build(tls);
            } catch (SSLException | RuntimeException e) {
                throw node.error("cannot be used for TLS: " + e.getMessage());
            }
        }
        return tls;
    }

    /** The PEM certificates of the file {@code node} names: at least one, all readable. */
    private static List<X509Certificate> certificates(ConfigNode node, Path dir) throws ConfigException {
        Path file;
        try {
            file = dir.resolve(node.text()).normalize();
        } catch (InvalidPathException e) {
            throw node.error("not a usable path: " + e.getReason());
        }
        List<X509Certificate> certificates = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                certificates.add((X509Certificate) certificate);
            }
        } catch (NoSuchFileException e) {
            throw node.error("no such file: " + file);
        } catch (IOException e) {
            throw node.error("cannot read " + file + ": " + e);
        } catch (CertificateException e) {
            throw node.error(file + " is not a PEM certificate file (" + e.getMessage() + ")");
        }
        if (certificates.isEmpty()) {
            throw node.error(file + " holds no PEM certificate");
        }
        return certificates;
    }

    /** {@code sticky: {header: X-User-Id}} or {@code sticky: {cookie: canary_id}}. */
    private static StickyRule sticky(ConfigNode node) throws ConfigException {
        node.requireObject(STICKY);
        if (node.isMissing()) {
            return null;
        }
        if (node.has("header") == node.has("cookie")) {
            throw node.error("needs exactly one of header (a request header carrying the user's key) or cookie"
                    + " (a cookie the balancer sets)");
        }
        return node.has("header") ? new StickyRule(StickyRule.Source.HEADER, token(node.get("header"), "header"))
                : new StickyRule(StickyRule.Source.COOKIE, token(node.get("cookie"), "cookie"));
    }

    private static String token(ConfigNode node, String what) throws ConfigException {
        String name = node.text();
        if (!name.matches(TOKEN)) {
            throw node.error("must be a " + what + " name (letters, digits and !#$%&'*+.^_`|~-), got '" + name + "'");
        }
        return name;
    }

    /** A header value to match: any text but control characters, which no request could carry. */
    private static String fieldValue(ConfigNode node) throws ConfigException {
        String value = node.text();
        if (!value.chars().allMatch(c -> c == '\t' || c >= 0x20 && c != 0x7f)) {
            throw node.error("must not contain control characters");
        }
        return value;
    }

    private static AnalysisSettings analysis(ConfigNode node) throws ConfigException {
        node.requireObject(ANALYSIS);
        if (node.isMissing()) {
            return null;
        }
        ConfigNode schedule = node.get("schedule").requireObject(SCHEDULE);
        List<Integer> steps = new ArrayList<>();
        if (!schedule.isMissing()) {
            List<ConfigNode> items = schedule.get("steps").items();
            if (items.isEmpty()) {
                throw schedule.get("steps").error("must list the canary weights to step through, such as [5, 25, 50, 100]");
            }
            for (ConfigNode item : items) {
                int step = item.wholeNumber(1, 100);
                if (!steps.isEmpty() && step <= steps.get(steps.size() - 1)) {
                    throw item.error("steps must increase, got " + step + " after " + steps.get(steps.size() - 1));
                }
                steps.add(step);
            }
        }
        Duration window = node.duration("window", AnalysisSettings.DEFAULT_WINDOW);
        Duration interval = node.duration("interval", AnalysisSettings.DEFAULT_INTERVAL);
        if (interval.compareTo(window) > 0) {
            throw node.get("interval").error("must not be longer than the window (" + window + "), got " + interval);
        }
        if (window.toMillis() / interval.toMillis() > MAX_CHECKS_PER_WINDOW) {
            throw node.get("interval").error("must be at least the window / " + MAX_CHECKS_PER_WINDOW
                    + " (one sample is kept per check), got " + interval + " for a window of " + window);
        }
        return new AnalysisSettings(window, interval,
                node.integer("minRequests", AnalysisSettings.DEFAULT_MIN_REQUESTS, 1, 1_000_000),
                node.decimal("errorRateMargin", AnalysisSettings.DEFAULT_ERROR_RATE_MARGIN, 0, 0.99),
                node.decimal("latencyRatio", AnalysisSettings.DEFAULT_LATENCY_RATIO, 1, 1000),
                node.duration("latencyMargin", AnalysisSettings.DEFAULT_LATENCY_MARGIN, MAX_LATENCY_MARGIN),
                steps, schedule.duration("pause", AnalysisSettings.DEFAULT_STEP_PAUSE),
                node.decimal("maxDiffRate", AnalysisSettings.DEFAULT_MAX_DIFF_RATE, 0, 0.99));
    }

    private static PoolRef pool(ConfigNode node, String defaultService) throws ConfigException {
        node.requireObject(POOL);
        return new PoolRef(node.string("service", defaultService), node.string("tag", null));
    }

    private static ProxySettings.Timeouts timeouts(ConfigNode node, ProxySettings.Timeouts defaults)
            throws ConfigException {
        node.requireObject(TIMEOUTS);
        return new ProxySettings.Timeouts(
                node.duration("connect", defaults.connect(), ProxySettings.Timeouts.MAX_CONNECT),
                node.duration("response", defaults.response(), ProxySettings.Timeouts.MAX),
                node.duration("clientIdle", defaults.clientIdle(), ProxySettings.Timeouts.MAX),
                node.duration("backendIdle", defaults.backendIdle(), ProxySettings.Timeouts.MAX),
                node.duration("requestHead", defaults.requestHead(), ProxySettings.Timeouts.MAX_REQUEST_HEAD),
                node.duration("stall", defaults.stall(), ProxySettings.Timeouts.MAX),
                node.duration("drain", defaults.drain(), ProxySettings.Timeouts.MAX_DRAIN),
                node.duration("tunnelIdle", defaults.tunnelIdle(), ProxySettings.Timeouts.MAX));
    }

    private static ProxySettings.Limits limits(ConfigNode node, ProxySettings.Limits defaults, int connections)
            throws ConfigException {
        node.requireObject(LIMITS);
        return new ProxySettings.Limits(
                node.integer("requestLine", defaults.requestLine(), 256, 1024 * 1024),
                node.integer("headerSize", defaults.headerSize(), 1024, 1024 * 1024),
                node.integer("headerCount", defaults.headerCount(), 1, 10_000),
                connections,
                node.integer("streams", defaults.streams(), 1, 10_000),
                node.integer("backendConnections", defaults.backendConnections(), 0, 1_000_000));
    }

    /** {@code upgrades}: the protocols a client may switch to through the balancer, such as {@code websocket}. */
    private static UpgradeProtocols upgrades(ConfigNode node, UpgradeProtocols defaults) throws ConfigException {
        if (node.isMissing()) {
            return defaults;
        }
        List<String> names = new ArrayList<>();
        for (ConfigNode item : node.items()) {
            String name = token(item, "protocol");
            if (name.equalsIgnoreCase("h2c")) {
                throw item.error("h2c cannot be tunnelled: an Upgrade to h2c is answered as HTTP/1.1");
            }
            names.add(name);
        }
        return UpgradeProtocols.of(names);
    }

    private static TransportChoice transport(ConfigNode node) throws ConfigException {
        if (node.isMissing()) {
            return TransportChoice.AUTO;
        }
        try {
            return TransportChoice.parse(node.text());
        } catch (IllegalArgumentException e) {
            throw node.error(e.getMessage());
        }
    }

    private static boolean flag(ConfigNode node) throws ConfigException {
        String text = node.text();
        if (!text.equals("true") && !text.equals("false")) {
            throw node.error("must be true or false, got '" + text + "'");
        }
        return Boolean.parseBoolean(text);
    }

    /** {@code host:port}, {@code :port} (all interfaces) or {@code [v6]:port}. */
    static InetSocketAddress address(ConfigNode node, InetSocketAddress fallback) throws ConfigException {
        if (node.isMissing()) {
            return fallback;
        }
        String text = node.text();
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw node.error("must be host:port, got '" + text + "'");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty()) {
            host = "0.0.0.0";
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw node.error("port must be a number, got '" + text.substring(colon + 1) + "'");
        }
        if (port < 0 || port > 65535) {
            throw node.error("port must be between 0 and 65535, got " + port);
        }
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw node.error("cannot resolve host '" + host + "'");
        }
        return address;
    }
}
