package io.canarybalancer.replica.core;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves a replica's settings: an environment variable wins over the configuration, which wins over the
 * built-in default. The environment is a lookup function so tests never touch the real one.
 */
public final class SettingsResolver {

    public static final String SERVICE_NAME = "SERVICE_NAME";
    public static final String SERVICE_TAGS = "SERVICE_TAGS";
    public static final String SERVICE_VERSION = "SERVICE_VERSION";
    public static final String SERVICE_ADDRESS = "SERVICE_ADDRESS";
    public static final String CONSUL_HTTP_ADDR = "CONSUL_HTTP_ADDR";
    public static final String CONSUL_HTTP_TOKEN = "CONSUL_HTTP_TOKEN";

    static final String UNKNOWN_VERSION = "unknown";

    private static final Pattern VERSION_SUFFIX = Pattern.compile(".*-(v\\d+)$", Pattern.CASE_INSENSITIVE);

    private final Function<String, String> env;
    private final Supplier<String> addressDetector;

    /**
     * @param env             environment lookup ({@code System::getenv} in production)
     * @param addressDetector finds this host's address when neither env nor config names one
     */
    public SettingsResolver(Function<String, String> env, Supplier<String> addressDetector) {
        this.env = env;
        this.addressDetector = addressDetector;
    }

    /**
     * Values as they come from the configuration file; null or blank means "not set".
     *
     * @param service     the program's name (required)
     * @param serviceName Consul service name
     * @param tags        Consul tags
     * @param version     version
     * @param address     registered address
     * @param consulUrl   Consul agent URL
     * @param consulToken ACL token
     * @param timings     check and retry timings
     */
    public record Configured(String service, String serviceName, List<String> tags, String version,
                             String address, String consulUrl, String consulToken,
                             ReplicaSettings.Timings timings) {
    }

    /**
     * @return the resolved settings
     * @throws IllegalArgumentException naming the variable or field when a value cannot be used
     */
    public ReplicaSettings resolve(Configured configured) {
        String serviceName = first(env(SERVICE_NAME), configured.serviceName()).orElse("service-v1");
        List<String> tags = env(SERVICE_TAGS).map(SettingsResolver::parseTags)
                .orElseGet(() -> cleanTags(configured.tags() == null ? List.of() : configured.tags()));
        String version = first(env(SERVICE_VERSION), configured.version()).orElseGet(() -> versionOf(serviceName));
        String address = first(env(SERVICE_ADDRESS), configured.address()).orElseGet(addressDetector);
        Optional<URI> consul = env(CONSUL_HTTP_ADDR).map(value -> parseConsulUrl(CONSUL_HTTP_ADDR, value))
                .or(() -> blankToEmpty(configured.consulUrl()).map(value -> parseConsulUrl("replica.consulUrl", value)));
        Optional<String> token = first(env(CONSUL_HTTP_TOKEN), configured.consulToken());
        checkTimings(configured.timings());
        return new ReplicaSettings(configured.service(), serviceName, version, tags, address, consul, token,
                configured.timings());
    }

    /** @return {@code v2} for {@code service-v2}, {@code unknown} when the name has no such suffix */
    static String versionOf(String serviceName) {
        Matcher matcher = VERSION_SUFFIX.matcher(serviceName);
        return matcher.matches() ? matcher.group(1).toLowerCase(Locale.ROOT) : UNKNOWN_VERSION;
    }

    /** Parses Registrator's comma list: blanks dropped, order kept, duplicates removed. */
    static List<String> parseTags(String commaList) {
        List<String> parts = new ArrayList<>();
        for (String part : commaList.split(",")) {
            parts.add(part);
        }
        return cleanTags(parts);
    }

    private static List<String> cleanTags(List<String> tags) {
        LinkedHashSet<String> clean = new LinkedHashSet<>();
        for (String tag : tags) {
            if (tag != null && !tag.isBlank()) {
                clean.add(tag.trim());
            }
        }
        return List.copyOf(clean);
    }

    /**
     * Accepts what Consul's own tools accept in {@code CONSUL_HTTP_ADDR}: {@code host:port} (plain HTTP)
     * or a full {@code http://} or {@code https://} URL.
     */
    static URI parseConsulUrl(String source, String value) {
        String trimmed = value.trim();
        String withScheme = trimmed.contains("://") ? trimmed : "http://" + trimmed;
        try {
            URI uri = new URI(withScheme);
            String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new IllegalArgumentException(source + ": '" + value
                        + "' is not supported (expected host:port, http://host:port or https://host:port)");
            }
            if (uri.getHost() == null) {
                throw new IllegalArgumentException(source + ": '" + value + "' has no host");
            }
            int port = uri.getPort() == -1 ? (scheme.equals("https") ? 8501 : 8500) : uri.getPort();
            return new URI(scheme, null, uri.getHost(), port, null, null, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(source + ": '" + value + "' is not a valid address", e);
        }
    }

    private static void checkTimings(ReplicaSettings.Timings timings) {
        if (timings.maxRetryInterval().compareTo(timings.retryInterval()) < 0) {
            throw new IllegalArgumentException("replica.maxRetryInterval must not be shorter than replica.retryInterval");
        }
        if (timings.checkTimeout().compareTo(timings.checkInterval()) > 0) {
            throw new IllegalArgumentException("replica.checkTimeout must not be longer than replica.checkInterval");
        }
        if (timings.consulTimeout().isZero() || timings.consulTimeout().isNegative()) {
            throw new IllegalArgumentException("replica.consulTimeout must be positive");
        }
    }

    private Optional<String> env(String name) {
        return blankToEmpty(env.apply(name));
    }

    private static Optional<String> first(Optional<String> preferred, String fallback) {
        return preferred.or(() -> blankToEmpty(fallback));
    }

    private static Optional<String> blankToEmpty(String value) {
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    /** @return a duration in whole seconds as Consul's Go syntax ({@code 5s}), at least one second */
    public static String goSeconds(Duration duration) {
        return Math.max(1, duration.toSeconds()) + "s";
    }
}
