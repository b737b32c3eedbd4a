package io.canarybalancer.consuldouble.http;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Map;

/**
 * Parses and prints durations in Go's {@code time.ParseDuration} syntax ({@code 10s}, {@code 1m30s},
 * {@code 500ms}, {@code 1.5h}), because Consul reads {@code wait=} and check intervals that way and a
 * client that sends a Java-style {@code PT10S} must be rejected exactly like the real agent does.
 */
public final class GoDuration {

    private static final Map<String, Long> NANOS_PER_UNIT = Map.of(
            "ns", 1L,
            "us", 1_000L,
            "\u00b5s", 1_000L, // micro sign
            "\u03bcs", 1_000L, // Greek small letter mu
            "ms", 1_000_000L,
            "s", 1_000_000_000L,
            "m", 60_000_000_000L,
            "h", 3_600_000_000_000L);

    private GoDuration() {
    }

    /**
     * @return the parsed duration (may be negative, as in Go)
     * @throws IllegalArgumentException when the text is not a valid Go duration
     */
    public static Duration parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("invalid duration \"\"");
        }
        int pos = 0;
        boolean negative = false;
        char first = text.charAt(0);
        if (first == '-' || first == '+') {
            negative = first == '-';
            pos++;
        }
        // Go accepts a bare "0" (optionally signed) without a unit, nothing else.
        if (text.substring(pos).equals("0")) {
            return Duration.ZERO;
        }
        if (pos == text.length()) {
            throw invalid(text);
        }
        BigInteger totalNanos = BigInteger.ZERO;
        while (pos < text.length()) {
            int numberStart = pos;
            while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
                pos++;
            }
            boolean digitsBefore = pos > numberStart;
            boolean digitsAfter = false;
            if (pos < text.length() && text.charAt(pos) == '.') {
                pos++;
                int fractionStart = pos;
                while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
                    pos++;
                }
                digitsAfter = pos > fractionStart;
            }
            if (!digitsBefore && !digitsAfter) {
                throw invalid(text);
            }
            String number = text.substring(numberStart, pos);
            int unitStart = pos;
            while (pos < text.length() && text.charAt(pos) != '.' && !Character.isDigit(text.charAt(pos))) {
                pos++;
            }
            String unit = text.substring(unitStart, pos);
            Long unitNanos = NANOS_PER_UNIT.get(unit);
            if (unitNanos == null) {
                throw new IllegalArgumentException(
                        unit.isEmpty() ? "missing unit in duration \"" + text + "\"" : "unknown unit \"" + unit + "\" in duration \"" + text + "\"");
            }
            BigDecimal value = new BigDecimal(number.endsWith(".") ? number + "0" : (number.startsWith(".") ? "0" + number : number));
            totalNanos = totalNanos.add(value.multiply(BigDecimal.valueOf(unitNanos)).toBigInteger());
            if (totalNanos.bitLength() > 63) {
                throw invalid(text);
            }
        }
        long nanos = totalNanos.longValueExact();
        return Duration.ofNanos(negative ? -nanos : nanos);
    }

    /** Prints a duration the way Go's {@code Duration.String()} does ({@code 1m30s}, {@code 500ms}, {@code 0s}). */
    public static String format(Duration duration) {
        long nanos = duration.toNanos();
        if (nanos == 0) {
            return "0s";
        }
        StringBuilder out = new StringBuilder();
        if (nanos < 0) {
            out.append('-');
            nanos = -nanos;
        }
        if (nanos < 1_000_000_000L) {
            if (nanos < 1_000L) {
                return out.append(nanos).append("ns").toString();
            }
            if (nanos < 1_000_000L) {
                return out.append(fraction(nanos, 1_000L)).append("\u00b5s").toString();
            }
            return out.append(fraction(nanos, 1_000_000L)).append("ms").toString();
        }
        long hours = nanos / 3_600_000_000_000L;
        long rest = nanos % 3_600_000_000_000L;
        long minutes = rest / 60_000_000_000L;
        rest = rest % 60_000_000_000L;
        if (hours > 0) {
            out.append(hours).append('h');
        }
        if (hours > 0 || minutes > 0) {
            out.append(minutes).append('m');
        }
        return out.append(fraction(rest, 1_000_000_000L)).append('s').toString();
    }

    private static String fraction(long value, long unit) {
        return BigDecimal.valueOf(value).divide(BigDecimal.valueOf(unit)).stripTrailingZeros().toPlainString();
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("invalid duration \"" + text + "\"");
    }
}
