package io.canarybalancer.balancer.proxy.http1;

import java.util.List;
import java.util.Locale;

/**
 * The protocols a client may switch to through the balancer ({@code upgrades}, default
 * {@code websocket}): an upgrade request naming only these is forwarded with its {@code Upgrade}
 * field, and a {@code 101} answer turns the connection into a tunnel. Any other {@code Upgrade}
 * (notably {@code h2c}, which the balancer would have to speak itself) is dropped, as a hop-by-hop
 * field, and the request is answered as HTTP/1.1.
 */
public final class UpgradeProtocols {
    /** WebSocket only: what a balancer in front of web services is asked to pass through. */
    public static final UpgradeProtocols DEFAULT = of(List.of("websocket"));

    /** Lower-case protocol names. */
    private final String[] names;

    private UpgradeProtocols(String[] names) {
        this.names = names;
    }

    /** The protocols by name (case does not matter; a version suffix such as {@code /1.1} is not part of a name). */
    public static UpgradeProtocols of(List<String> names) {
        return new UpgradeProtocols(names.stream().map(name -> name.toLowerCase(Locale.ROOT)).toArray(String[]::new));
    }

    /** The protocol names, lower case, as configured. */
    public List<String> names() {
        return List.of(names);
    }

    /**
     * Whether every protocol the {@code Upgrade} value {@code [from, to)} of {@code bytes} offers
     * is allowed: {@code protocol-name ["/" protocol-version]}, comma separated (RFC 9110 section
     * 7.8). An empty list is not an upgrade.
     */
    boolean allowsAll(byte[] bytes, int from, int to) {
        boolean any = false;
        int i = from;
        while (i < to) {
            while (i < to && (bytes[i] == ' ' || bytes[i] == '\t' || bytes[i] == ',')) {
                i++;
            }
            int nameStart = i;
            while (i < to && bytes[i] != ',' && bytes[i] != '/' && bytes[i] != ' ' && bytes[i] != '\t') {
                i++;
            }
            if (i > nameStart) {
                if (!allows(bytes, nameStart, i)) {
                    return false;
                }
                any = true;
            }
            while (i < to && bytes[i] != ',') {
                i++; // the version, or trailing whitespace
            }
        }
        return any;
    }

    private boolean allows(byte[] bytes, int from, int to) {
        for (String name : names) {
            if (Ascii.equalsIgnoreCase(bytes, from, to, name)) {
                return true;
            }
        }
        return false;
    }
}
