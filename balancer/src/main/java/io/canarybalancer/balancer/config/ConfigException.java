package io.canarybalancer.balancer.config;

import java.nio.file.Path;

/**
 * A configuration problem, phrased for the person who wrote the file: one line with the file, the
 * field and what is wrong, e.g. {@code balancer.yml: routes[0].weight: must be between 0 and 100, got -5}.
 */
public final class ConfigException extends Exception {
    private final Path file;
    private final String field;
    private final String reason;

    public ConfigException(Path file, String field, String reason) {
        super(format(file, field, reason));
        this.file = file;
        this.field = field;
        this.reason = reason;
    }

    private static String format(Path file, String field, String reason) {
        return field == null || field.isEmpty()
                ? file + ": " + reason
                : file + ": " + field + ": " + reason;
    }

    public Path file() {
        return file;
    }

    /** The dotted path of the field at fault ({@code routes[1].strategy}), or empty for the whole file. */
    public String field() {
        return field == null ? "" : field;
    }

    public String reason() {
        return reason;
    }
}
