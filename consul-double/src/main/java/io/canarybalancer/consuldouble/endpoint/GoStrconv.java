package io.canarybalancer.consuldouble.endpoint;

import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;

/** Go's {@code strconv.ParseBool} and {@code ParseUint}, whose accepted spellings Consul inherits. */
final class GoStrconv {

    private static final Set<String> TRUE = Set.of("1", "t", "T", "TRUE", "true", "True");
    private static final Set<String> FALSE = Set.of("0", "f", "F", "FALSE", "false", "False");
    private static final Pattern UINT = Pattern.compile("[0-9]+");

    private GoStrconv() {
    }

    static Optional<Boolean> parseBool(String text) {
        if (TRUE.contains(text)) {
            return Optional.of(true);
        }
        if (FALSE.contains(text)) {
            return Optional.of(false);
        }
        return Optional.empty();
    }

    /** @return the value as an unsigned 64-bit number, or empty when it is not one */
    static OptionalLong parseUint(String text) {
        if (!UINT.matcher(text).matches()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseUnsignedLong(text));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }
}
