package io.canarybalancer.balancer.admin;

import io.netty.util.NetUtil;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The names by which a request may address the admin listener in its {@code Host} header: the
 * listener's own address (and the name it was configured with, if a name), {@code localhost}, and
 * the names configured in {@code admin.allowedHosts}.
 * Anything else is a page in a browser whose DNS name was rebound to this machine, and is refused.
 * When the listener binds a wildcard address it answers on every address of the machine, so any IP
 * address is its own; IP addresses cannot be rebound, only names can.
 */
public final class AllowedHosts {
    /** An RFC 3986 reg-name as host names are written: labels of letters, digits, '-', '_' and '~'. */
    private static final Pattern NAME = Pattern.compile("[a-z0-9_~-]+(\\.[a-z0-9_~-]+)*");
    private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");

    private final InetAddress listener;
    private final Set<String> names = new HashSet<>();
    private final Set<InetAddress> addresses = new HashSet<>();
    /** The operator's own {@code admin.allowedHosts}, normalised: names of this listener behind a proxy. */
    private final Set<String> configured = new HashSet<>();

    /**
     * @param listener   the address the admin listener binds, as configured
     * @param configured names or IP addresses from {@code admin.allowedHosts}, each checked by {@link #normalise}
     */
    public AllowedHosts(InetSocketAddress listener, List<String> configured) {
        this.listener = listener.getAddress();
        names.add("localhost");
        addresses.add(this.listener);
        String ownName = normalise(listener.getHostString());
        if (ownName != null && address(ownName) == null) {
            names.add(ownName); // admin.listen written with a name, such as ops-host:48152
        }
        for (String host : configured) {
            String normalised = normalise(host);
            if (normalised == null) {
                throw new IllegalArgumentException("not a host name or IP address: " + host);
            }
            this.configured.add(normalised);
            InetAddress address = address(normalised);
            if (address != null) {
                addresses.add(address);
            } else {
                names.add(normalised);
            }
        }
    }

    /**
     * Whether {@code host}, normalised, is one the operator listed in {@code admin.allowedHosts}: a
     * name a proxy in front serves the listener under, on a port of its own.
     */
    boolean configured(String host) {
        return configured.contains(host);
    }

    /**
     * A host name or IP address (IPv6 with or without brackets) in the form this class compares:
     * lower case, IPv6 in brackets; {@code null} when it is neither, or carries a port.
     */
    public static String normalise(String host) {
        String lower = host.toLowerCase(Locale.ROOT);
        String bare = lower.startsWith("[") && lower.endsWith("]") ? lower.substring(1, lower.length() - 1) : lower;
        if (NetUtil.isValidIpV6Address(bare)) {
            return "[" + bare + "]";
        }
        return NetUtil.isValidIpV4Address(lower) || NAME.matcher(lower).matches() ? lower : null;
    }

    /** Whether {@code host}, a normalised host without port, names this listener. */
    boolean allows(String host) {
        InetAddress address = address(host);
        if (address == null) {
            return names.contains(host);
        }
        return listener.isAnyLocalAddress() || addresses.contains(address);
    }

    /** {@code host[:port]} as in a {@code Host} header or an origin; {@code port} is -1 when absent. */
    record Authority(String host, int port) {

        /** Parses {@code host[:port]}; {@code null} when it is malformed. */
        static Authority parse(String value) {
            String text = value.trim();
            int colon = text.lastIndexOf(':');
            // An IPv6 literal holds colons of its own; its port follows the closing bracket.
            if (colon >= 0 && text.startsWith("[") && colon < text.lastIndexOf(']')) {
                colon = -1;
            }
            String host = colon < 0 ? text : text.substring(0, colon);
            int port = -1;
            if (colon >= 0) {
                String digits = text.substring(colon + 1);
                if (!PORT.matcher(digits).matches() || Integer.parseInt(digits) > 65535) {
                    return null;
                }
                port = Integer.parseInt(digits);
            }
            if (host.contains(":") && !host.startsWith("[")) {
                return null; // an IPv6 address in a Host header must be bracketed
            }
            String normalised = normalise(host);
            return normalised == null ? null : new Authority(normalised, port);
        }
    }

    private static InetAddress address(String normalised) {
        String bare = normalised.startsWith("[") ? normalised.substring(1, normalised.length() - 1) : normalised;
        return NetUtil.isValidIpV4Address(bare) || NetUtil.isValidIpV6Address(bare)
                ? NetUtil.createInetAddressFromIpAddressString(bare) : null;
    }
}
