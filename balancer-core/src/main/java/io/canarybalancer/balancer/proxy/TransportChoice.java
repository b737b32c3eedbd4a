package io.canarybalancer.balancer.proxy;

import java.util.Locale;

/**
 * The I/O transport the configuration asks for ({@code transport:}). {@link #AUTO} takes epoll where
 * its native library loads and NIO elsewhere; the others insist on one transport and make the start
 * fail when it cannot run on this machine, rather than quietly serving on another.
 */
public enum TransportChoice {
    AUTO, EPOLL, IO_URING, NIO;

    /** The lower-case name used in configuration: {@code auto}, {@code epoll}, {@code io_uring}, {@code nio}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a configuration value; throws {@link IllegalArgumentException} naming the choices. */
    public static TransportChoice parse(String text) {
        for (TransportChoice choice : values()) {
            if (choice.label().equals(text)) {
                return choice;
            }
        }
        throw new IllegalArgumentException("unknown transport '" + text + "' (expected auto, epoll, io_uring or nio)");
    }
}
