package io.canarybalancer.balancer.mirror;

import java.util.Locale;
import java.util.Objects;

/**
 * One way the canary's answer to a mirrored request differs from stable's.
 *
 * @param detail what differs, in one short line with both values (never a body of more than a few dozen bytes)
 */
public record Difference(Kind kind, String detail) {

    public Difference {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(detail, "detail");
    }

    /** The kinds differences are counted by. */
    public enum Kind {
        /** The canary did not answer (in time, or at all). */
        NO_ANSWER,
        /** Another status code (or class). */
        STATUS,
        /** A compared header field differs. */
        HEADER,
        /** The bodies differ. */
        BODY;

        /** The name in {@code /status} and the metrics' {@code kind} label. */
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    @Override
    public String toString() {
        return kind.label() + ": " + detail;
    }
}
