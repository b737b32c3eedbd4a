package io.canarybalancer.balancer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Who holds a local TCP port, read from Linux's {@code /proc/net/tcp} and {@code /proc/net/tcp6}.
 * The default ports 48151 and 48152 lie inside Linux's ephemeral range, so the local end of an
 * outgoing connection may hold one of them: then a bind fails although nothing listens there, and
 * the operator needs to hear that, not to go looking for another server.
 */
final class PortHolders {
    private static final List<Path> TABLES = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));
    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    private static final String LISTEN = "0A";
    /** A socket waiting out its last packets; it does not keep a listener using SO_REUSEADDR from binding. */
    private static final String TIME_WAIT = "06";

    /** What holds a port. */
    enum Holder { LISTENER, CONNECTION, UNKNOWN }

    private PortHolders() {
    }

    /**
     * What to add to a bind failure on {@code port}: nothing when a listener holds it (the usual case)
     * or when this system cannot tell, else a sentence saying that a connection holds it.
     */
    static String explain(int port) {
        if (holder(port) != Holder.CONNECTION) {
            return "";
        }
        return "; port " + port + " is in use by an outgoing connection, not a listener" + ephemeralRange()
                + "; it is free again when that connection closes, or choose a port outside that range";
    }

    static Holder holder(int port) {
        boolean connection = false;
        for (Path table : TABLES) {
            List<String> lines;
            try {
                lines = Files.readAllLines(table);
            } catch (IOException | SecurityException e) {
                continue; // not Linux, or no IPv6
            }
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] fields = line.trim().split("\\s+");
                if (fields.length < 4 || !fields[1].endsWith(":" + String.format("%04X", port))) {
                    continue;
                }
                if (fields[3].equals(LISTEN)) {
                    return Holder.LISTENER;
                }
                connection |= !fields[3].equals(TIME_WAIT);
            }
        }
        return connection ? Holder.CONNECTION : Holder.UNKNOWN;
    }

    private static String ephemeralRange() {
        try {
            // readAllLines, not readString: a /proc file claims size 0 and readString read one byte of it
            String[] range = String.join(" ", Files.readAllLines(EPHEMERAL_RANGE)).trim().split("\\s+");
            return " (ports " + range[0] + "-" + range[1] + " are lent to outgoing connections on this machine)";
        } catch (IOException | SecurityException | ArrayIndexOutOfBoundsException e) {
            return "";
        }
    }
}
