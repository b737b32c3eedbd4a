package io.canarybalancer.balancer.config.yaml;

import java.nio.file.Path;

/**
 * A configuration problem, phrased for the person who wrote the file: one line with the file, the
 * line in it when known, the field and what is wrong, e.g.
 * {@code balancer.yml:12: routes[0].weight: must be between 0 and 100, got -5}.
 */
public final class ConfigException extends Exception {
    private final Path file;
    private final String field;
    private final String reason;
    private final int line;

    public ConfigException(Path file, String field, String reason) {
        this(file, 0, field, reason);
    }

    /** @param line the line of {@code file} the field is on, from 1; 0 when not known */
    public ConfigException(Path file, int line, String field, String reason) {
        super(format(file, line, field, reason));
        this.file = file;
        this.line = line;
        this.field = field;
        this.reason = reason;
    }

    private static String format(Path file, int line, String field, String reason) {
        String where = line > 0 ? file + ":" + line : file.toString();
        return field == null || field.isEmpty()
                ? where + ": " + reason
                : where + ": " + field + ": " + reason;
    }

    /** The line of the file the field is on, from 1; 0 when not known. */
    public int line() {
        return line;
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
