package io.canarybalancer.balancer.discovery;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * Whether an instance's address can be connected to at all: an IPv4 or IPv6 literal, or a DNS host
 * name (RFC 1123 labels). Checked without any DNS lookup, so a bad registration is caught on the
 * discovery thread at once rather than failing every request sent to it.
 */
final class AddressSyntax {
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?");
    private static final Pattern NUMERIC = Pattern.compile("[0-9.]+");
    private static final Pattern IPV4 = Pattern.compile(
            "((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+(%[A-Za-z0-9_.-]+)?");

    private AddressSyntax() {
    }

    /** What is wrong with {@code address}, or {@code null} when it can be connected to. */
    static String problem(String address) {
        return valid(address) ? null : "not an IP address or host name: " + address;
    }

    private static boolean valid(String address) {
        if (address == null || address.isEmpty() || address.length() > 253) {
            return false;
        }
        if (address.indexOf(':') >= 0) {
            return ipv6(address);
        }
        if (NUMERIC.matcher(address).matches()) {
            return IPV4.matcher(address).matches(); // 999.1.1.1 is no host name either
        }
        String name = address.endsWith(".") ? address.substring(0, address.length() - 1) : address;
        for (String label : name.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return true;
    }

    private static boolean ipv6(String address) {
        char first = address.charAt(0);
        if (!IPV6.matcher(address).matches() || !(first == ':' || Character.digit(first, 16) >= 0)) {
            return false;
        }
        try {
            InetAddress.getByName(address); // a literal starting with a hex digit or ':' is parsed, never looked up
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
