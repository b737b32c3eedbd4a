package io.canarybalancer.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The repository's files as the stack uses them: docker-compose.yml read as a tree, the services'
 * environments, the Dockerfile, and compose's {@code ${NAME:-default}} values taken at their defaults.
 */
final class StackFiles {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    /** Compose's and Dropwizard's {@code ${NAME:-default}}. */
    private static final Pattern DEFAULTED = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*):-([^}]*)}");

    /** The replica services and the module each one runs. */
    static final Map<String, String> REPLICA_SERVICES = Map.of(
            "message-v1", "message-service",
            "message-v2", "message-service",
            "credit-v1", "credit-service",
            "credit-v2", "credit-service");

    private StackFiles() {
    }

    /** The repository root: set by the build, else the parent of the working directory (the module). */
    static Path root() {
        String configured = System.getProperty("stack.root");
        Path root = (configured != null ? Path.of(configured) : Path.of("..")).toAbsolutePath().normalize();
        if (!Files.isRegularFile(root.resolve("docker-compose.yml"))) {
            throw new IllegalStateException("no docker-compose.yml in " + root);
        }
        return root;
    }

    static Path file(String relative) {
        return root().resolve(relative).normalize();
    }

    static JsonNode yaml(Path file) {
        try {
            return YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode compose() {
        return yaml(file("docker-compose.yml"));
    }

    static JsonNode service(String name) {
        JsonNode service = compose().path("services").path(name);
        if (service.isMissingNode()) {
            throw new AssertionError("docker-compose.yml has no service " + name);
        }
        return service;
    }

    /** A service's environment, in the map or the list form, values as written. */
    static Map<String, String> environment(JsonNode service) {
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode node = service.path("environment");
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        } else if (node.isArray()) {
            for (JsonNode item : node) {
                String entry = item.asText();
                int eq = entry.indexOf('=');
                env.put(eq < 0 ? entry : entry.substring(0, eq), eq < 0 ? "" : entry.substring(eq + 1));
            }
        }
        return env;
    }

    /** Replaces every {@code ${NAME:-default}} with its default, as when NAME is not set. */
    static String withDefaults(String text) {
        Matcher matcher = DEFAULTED.matcher(text);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            matcher.appendReplacement(out, Matcher.quoteReplacement(matcher.group(2)));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    /** {@code "8080:80"}, {@code "127.0.0.1:8500:8500"}, {@code "9000:9000/udp"}, or the long form: the host port. */
    static List<Integer> publishedPorts(JsonNode service) {
        List<Integer> ports = new ArrayList<>();
        for (JsonNode port : service.path("ports")) {
            if (port.isObject()) {
                ports.add(port.path("published").asInt());
                continue;
            }
            String[] parts = port.asText().replaceAll("/(tcp|udp)$", "").split(":");
            ports.add(Integer.parseInt(parts[parts.length - 2]));
        }
        return ports;
    }

    /** The container port of each published port. */
    static List<Integer> targetPorts(JsonNode service) {
        List<Integer> ports = new ArrayList<>();
        for (JsonNode port : service.path("ports")) {
            if (port.isObject()) {
                ports.add(port.path("target").asInt());
                continue;
            }
            String[] parts = port.asText().replaceAll("/(tcp|udp)$", "").split(":");
            ports.add(Integer.parseInt(parts[parts.length - 1]));
        }
        return ports;
    }

    /** Bind mounts in the short form {@code ./host:/container[:ro]}: host path (resolved) to container path. */
    static Map<Path, String> bindMounts(JsonNode service) {
        Map<Path, String> mounts = new LinkedHashMap<>();
        for (JsonNode volume : service.path("volumes")) {
            String[] parts = volume.asText().split(":");
            if (parts.length >= 2 && (parts[0].startsWith("./") || parts[0].startsWith("../"))) {
                mounts.put(root().resolve(parts[0]).normalize(), parts[1]);
            }
        }
        return mounts;
    }

    /** The default application port in a Dropwizard service configuration ({@code ${PORT:-8080}}). */
    static int applicationPort(String module) {
        JsonNode config = yaml(file("config/" + module + ".yml"));
        return Integer.parseInt(withDefaults(
                config.path("server").path("applicationConnectors").path(0).path("port").asText()));
    }

    /** The default admin port in a Dropwizard service configuration ({@code ${ADMIN_PORT:-8081}}). */
    static int adminPort(String module) {
        JsonNode config = yaml(file("config/" + module + ".yml"));
        return Integer.parseInt(withDefaults(
                config.path("server").path("adminConnectors").path(0).path("port").asText()));
    }
}
