package io.canarybalancer.balancer.config.yaml;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A node of a YAML file that knows where it is, so every validation failure names the file and the
 * field. Reading is strict: unknown keys, duplicate keys and values of the wrong type are errors,
 * because a typo in a rollout setting should stop the balancer, not be silently ignored.
 */
public final class ConfigNode {
    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");
    /**
     * The longest duration a setting takes unless it names its own bound: far below what overflows
     * {@code toNanos()} (292 years) or an {@code int} of milliseconds (24 days).
     */
    public static final Duration MAX_DURATION = Duration.ofHours(24);

    private final Path file;
    private final String field;
    /** This node's JSON pointer, the key of {@link #lines}. */
    private final String pointer;
    private final JsonNode node;
    /** The line each node of the file starts on, by JSON pointer, shared by every node of the file. */
    private final Map<String, Integer> lines;

    private ConfigNode(Path file, String field, String pointer, JsonNode node, Map<String, Integer> lines) {
        this.file = file;
        this.field = field;
        this.pointer = pointer;
        this.node = node;
        this.lines = lines;
    }

    /** Reads and parses a YAML file; a missing file, an unreadable one or bad syntax is reported as such. */
    public static ConfigNode read(Path file) throws ConfigException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file, "", "file does not exist");
        } catch (IOException e) {
            throw new ConfigException(file, "", "cannot read file: " + e.getMessage());
        }
        return parse(file, bytes);
    }

    /** Parses YAML already read from {@code file}. */
    public static ConfigNode parse(Path file, byte[] yaml) throws ConfigException {
        try {
            JsonNode root = YAML.readTree(yaml);
            return new ConfigNode(file, "", "", root == null ? MissingNode.getInstance() : root, lines(yaml));
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : "line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr();
            throw new ConfigException(file, where, "invalid YAML: " + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new ConfigException(file, "", "cannot parse: " + e.getMessage());
        }
    }

    /**
     * Where each node of a well-formed file starts: a key's line for a mapping entry, the item's
     * first line for a list item. Read as a second pass over the tokens, since a tree keeps none.
     */
    private static Map<String, Integer> lines(byte[] yaml) throws IOException {
        Map<String, Integer> lines = new HashMap<>();
        try (JsonParser parser = YAML.createParser(yaml)) {
            while (parser.nextToken() != null) {
                JsonStreamContext context = parser.getParsingContext();
                if (parser.currentToken() == JsonToken.END_OBJECT || parser.currentToken() == JsonToken.END_ARRAY) {
                    continue;
                }
                lines.putIfAbsent(context.pathAsPointer().toString(), parser.currentTokenLocation().getLineNr());
            }
        }
        return Map.copyOf(lines);
    }

    private static String firstLine(String message) {
        int newline = message.indexOf('\n');
        return (newline < 0 ? message : message.substring(0, newline)).trim();
    }

    public Path file() {
        return file;
    }

    /** This node's dotted path from the root, empty for the root itself. */
    public String field() {
        return field;
    }

    public boolean isMissing() {
        return node.isMissingNode() || node.isNull();
    }

    /** This node is a sequence. */
    public boolean isList() {
        return node.isArray();
    }

    /** This node is a mapping. */
    public boolean isMapping() {
        return node.isObject();
    }

    public boolean has(String key) {
        return node.has(key) && !node.get(key).isNull();
    }

    /** The child under {@code key}; a missing child answers {@link #isMissing()}. */
    public ConfigNode get(String key) {
        JsonNode child = node.get(key);
        return new ConfigNode(file, join(field, key), pointer(key), child == null ? MissingNode.getInstance() : child,
                lines);
    }

    /** Fails unless this node is a mapping whose keys are all among {@code allowed}. */
    public ConfigNode requireObject(Set<String> allowed) throws ConfigException {
        if (isMissing()) {
            return this;
        }
        if (!node.isObject()) {
            throw error("must be a mapping of " + String.join(", ", allowed));
        }
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            if (!allowed.contains(entry.getKey())) {
                throw get(entry.getKey()).error("unknown field (expected one of " + String.join(", ", allowed) + ")");
            }
        }
        return this;
    }

    /** The mapping's entries in file order; this node must be a mapping (or missing: no entries). */
    public Map<String, ConfigNode> entries() throws ConfigException {
        Map<String, ConfigNode> entries = new LinkedHashMap<>();
        if (isMissing()) {
            return entries;
        }
        if (!node.isObject()) {
            throw error("must be a mapping");
        }
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            entries.put(entry.getKey(), get(entry.getKey()));
        }
        return entries;
    }

    /** The list's items; this node must be a sequence (or missing: no items). */
    public List<ConfigNode> items() throws ConfigException {
        List<ConfigNode> items = new ArrayList<>();
        if (isMissing()) {
            return items;
        }
        if (!node.isArray()) {
            throw error("must be a list");
        }
        for (int i = 0; i < node.size(); i++) {
            items.add(new ConfigNode(file, field + "[" + i + "]", pointer(Integer.toString(i)), node.get(i), lines));
        }
        return items;
    }

    public String string(String key, String fallback) throws ConfigException {
        ConfigNode child = get(key);
        return child.isMissing() ? fallback : child.text();
    }

    /** This node as a non-empty scalar, trimmed. */
    public String text() throws ConfigException {
        if (!node.isTextual() && !node.isNumber() && !node.isBoolean()) {
            throw error("must be a string");
        }
        String text = node.asText().trim();
        if (text.isEmpty()) {
            throw error("must not be empty");
        }
        return text;
    }

    public String requiredString(String key) throws ConfigException {
        String value = string(key, null);
        if (value == null) {
            throw get(key).error("is required");
        }
        return value;
    }

    public int integer(String key, int fallback, int min, int max) throws ConfigException {
        ConfigNode child = get(key);
        return child.isMissing() ? fallback : child.wholeNumber(min, max);
    }

    /** This node as a whole number from {@code min} to {@code max}. */
    public int wholeNumber(int min, int max) throws ConfigException {
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw error("must be a whole number, got " + node);
        }
        int value = node.intValue();
        if (value < min || value > max) {
            throw error("must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    /** A number such as {@code 0.05} or {@code 2}, from {@code min} to {@code max}. */
    public double decimal(String key, double fallback, double min, double max) throws ConfigException {
        ConfigNode child = get(key);
        if (child.isMissing()) {
            return fallback;
        }
        if (!child.node.isNumber()) {
            throw child.error("must be a number, got " + child.node);
        }
        double value = child.node.doubleValue();
        if (!(value >= min && value <= max)) {
            throw child.error("must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    /** A duration written {@code 250ms}, {@code 30s}, {@code 5m} or {@code 1h}; longer than zero, at most a day. */
    public Duration duration(String key, Duration fallback) throws ConfigException {
        return duration(key, fallback, MAX_DURATION);
    }

    /** A duration written as above, longer than zero and at most {@code max}. */
    public Duration duration(String key, Duration fallback, Duration max) throws ConfigException {
        String text = string(key, null);
        if (text == null) {
            return fallback;
        }
        Matcher matcher = DURATION.matcher(text.toLowerCase(Locale.ROOT));
        if (!matcher.matches()) {
            throw get(key).error("must be a duration such as 500ms, 30s or 5m, got '" + text + "'");
        }
        Duration duration = parseDuration(matcher.group(1), matcher.group(2));
        if (duration == null || duration.compareTo(max) > 0) {
            throw get(key).error("must be at most " + format(max) + ", got '" + text + "'");
        }
        if (duration.isZero()) {
            throw get(key).error("must be longer than zero");
        }
        return duration;
    }

    /** {@code amount} of {@code unit}, or {@code null} when it does not even fit a {@link Duration}. */
    private static Duration parseDuration(String amount, String unit) {
        try {
            long value = Long.parseLong(amount);
            return switch (unit) {
                case "ms" -> Duration.ofMillis(value);
                case "s" -> Duration.ofSeconds(value);
                case "m" -> Duration.ofMinutes(value);
                default -> Duration.ofHours(value);
            };
        } catch (NumberFormatException | ArithmeticException e) {
            return null;
        }
    }

    /** A duration as a configuration file writes it: {@code 24h}, {@code 10m}, {@code 30s}, {@code 500ms}. */
    public static String format(Duration duration) {
        if (duration.toMillis() % 1000 != 0) {
            return duration.toMillis() + "ms";
        }
        long seconds = duration.toSeconds();
        if (seconds % 3600 == 0) {
            return seconds / 3600 + "h";
        }
        return seconds % 60 == 0 ? seconds / 60 + "m" : seconds + "s";
    }

    /** An error about this node, at its line (or its parent's, for a field that is missing). */
    public ConfigException error(String reason) {
        return new ConfigException(file, line(), field, reason);
    }

    /**
     * The line this node starts on; for a missing node, the line of the nearest enclosing node that
     * exists, the whole file excepted (a missing top-level field has no line); 0 if none.
     */
    private int line() {
        if (!node.isMissingNode()) {
            return lines.getOrDefault(pointer, 0);
        }
        for (String at = pointer; !at.isEmpty(); at = at.substring(0, at.lastIndexOf('/'))) {
            Integer line = lines.get(at);
            if (line != null) {
                return line;
            }
        }
        return 0;
    }

    private String pointer(String key) {
        return pointer + "/" + key.replace("~", "~0").replace("/", "~1");
    }

    private static String join(String parent, String key) {
        return parent.isEmpty() ? key : parent + "." + key;
    }
}
