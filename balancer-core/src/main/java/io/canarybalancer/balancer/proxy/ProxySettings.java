package io.canarybalancer.balancer.proxy;

import io.canarybalancer.balancer.proxy.http1.UpgradeProtocols;

import java.time.Duration;
import java.util.Objects;

/**
 * How the proxy behaves on both sides: its timeouts, its limits, its threads.
 *
 * @param ioThreads         event loop threads; 0 means two per core
 * @param maxIdlePerReplica idle backend connections kept per replica and event loop
 * @param transport         the I/O transport asked for
 * @param upgrades          the protocols a client may switch a connection to ({@code upgrades})
 */
public record ProxySettings(Timeouts timeouts, Limits limits, int ioThreads, int maxIdlePerReplica,
                            TransportChoice transport, UpgradeProtocols upgrades) {

    public ProxySettings {
        Objects.requireNonNull(timeouts, "timeouts");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(upgrades, "upgrades");
    }

    /**
     * @param connect     how long a backend connection may take to open (then 504, or another replica)
     * @param response    how long a backend may take, after the request was sent, to start its response
     * @param clientIdle  how long an idle client keep-alive connection is kept open
     * @param backendIdle how long an idle pooled backend connection is kept open; keep it below the
     *                    backends' own keep-alive timeout
     * @param requestHead how long a client may take to send a whole request head once it started one
     *                    (slow-header attacks); then 408 and the connection is closed
     * @param stall       how long a body streaming either way may stand still: a client that stops
     *                    sending its body gets 408, a backend that stops reading it 504; once the
     *                    answer is under way (a backend that stops sending, a client that stops
     *                    reading) the connection is closed
     * @param drain       how long a shutdown waits for exchanges in flight and open tunnels
     * @param tunnelIdle  how long a tunnel (a connection switched to another protocol, such as a
     *                    WebSocket) may carry nothing either way before both its connections are closed
     */
    public record Timeouts(Duration connect, Duration response, Duration clientIdle, Duration backendIdle,
                           Duration requestHead, Duration stall, Duration drain, Duration tunnelIdle) {
        /** The longest of any timeout without a bound of its own: in nanoseconds it fits a long, in milliseconds an int. */
        public static final Duration MAX = Duration.ofHours(24);
        /** The longest connect timeout: the kernel gives up on an unanswered connect within minutes anyway. */
        public static final Duration MAX_CONNECT = Duration.ofMinutes(5);
        /** The longest wait for a request head: longer only helps slow-header attacks. */
        public static final Duration MAX_REQUEST_HEAD = Duration.ofMinutes(10);
        /** The longest drain: a stop must end. */
        public static final Duration MAX_DRAIN = Duration.ofHours(1);

        public Timeouts {
            bounded("connect", connect, MAX_CONNECT);
            bounded("response", response, MAX);
            bounded("clientIdle", clientIdle, MAX);
            bounded("backendIdle", backendIdle, MAX);
            bounded("requestHead", requestHead, MAX_REQUEST_HEAD);
            bounded("stall", stall, MAX);
            bounded("drain", drain, MAX_DRAIN);
            bounded("tunnelIdle", tunnelIdle, MAX);
        }

        private static void bounded(String name, Duration timeout, Duration max) {
            Objects.requireNonNull(timeout, name);
            if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(max) > 0) {
                throw new IllegalArgumentException(name + " timeout must be above zero and at most " + max
                        + ", got " + timeout);
            }
        }
    }

    /**
     * @param requestLine longest request line accepted (then 414)
     * @param headerSize  largest header block accepted (then 431)
     * @param headerCount most header fields accepted (then 431)
     * @param connections client connections served at once; more are answered 503 and closed
     * @param streams     streams an HTTP/2 client may have open at once on one connection
     *                    ({@code SETTINGS_MAX_CONCURRENT_STREAMS}); more are refused with {@code RST_STREAM}
     * @param backendConnections HTTP/1.1 connections to one replica in use at once (carrying a request,
     *                    or connecting for one) at most, 0 for no cap; a pick skips a replica at its
     *                    cap, a replica found full is passed over as tried, and a request whose
     *                    tries are all full is answered 503
     */
    public record Limits(int requestLine, int headerSize, int headerCount, int connections, int streams,
                         int backendConnections) {

        public Limits {
            if (backendConnections < 0) {
                throw new IllegalArgumentException("backendConnections must not be negative, got "
                        + backendConnections);
            }
        }

        /** Limits without a cap on the connections to one replica. */
        public Limits(int requestLine, int headerSize, int headerCount, int connections, int streams) {
            this(requestLine, headerSize, headerCount, connections, streams, 0);
        }
    }

    public static ProxySettings defaults() {
        return new ProxySettings(
                // backendIdle below the 30 s idle timeout common in servers (Jetty's), so the balancer closes
                // a pooled connection before the backend does and the keep-alive race stays rare
                new Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(30), Duration.ofSeconds(60),
                        Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(30),
                        Duration.ofHours(1)),
                new Limits(8192, 16384, 100, 10_000, 100), 0, 64, TransportChoice.AUTO, UpgradeProtocols.DEFAULT);
    }

    public ProxySettings withTimeouts(Timeouts newTimeouts) {
        return new ProxySettings(newTimeouts, limits, ioThreads, maxIdlePerReplica, transport, upgrades);
    }

    public ProxySettings withLimits(Limits newLimits) {
        return new ProxySettings(timeouts, newLimits, ioThreads, maxIdlePerReplica, transport, upgrades);
    }

    public ProxySettings withIoThreads(int threads) {
        return new ProxySettings(timeouts, limits, threads, maxIdlePerReplica, transport, upgrades);
    }

    public ProxySettings withTransport(TransportChoice choice) {
        return new ProxySettings(timeouts, limits, ioThreads, maxIdlePerReplica, choice, upgrades);
    }

    public ProxySettings withUpgrades(UpgradeProtocols protocols) {
        return new ProxySettings(timeouts, limits, ioThreads, maxIdlePerReplica, transport, protocols);
    }

    // Shorthands for the handlers.

    public Duration connectTimeout() {
        return timeouts.connect();
    }

    public Duration responseTimeout() {
        return timeouts.response();
    }

    public Duration clientIdleTimeout() {
        return timeouts.clientIdle();
    }

    public Duration backendIdleTimeout() {
        return timeouts.backendIdle();
    }

    public Duration requestHeadTimeout() {
        return timeouts.requestHead();
    }

    public Duration stallTimeout() {
        return timeouts.stall();
    }

    public Duration drainTimeout() {
        return timeouts.drain();
    }

    public Duration tunnelIdleTimeout() {
        return timeouts.tunnelIdle();
    }

    public int maxInitialLineLength() {
        return limits.requestLine();
    }

    public int maxHeaderSize() {
        return limits.headerSize();
    }

    public int maxHeaderCount() {
        return limits.headerCount();
    }

    public int maxConcurrentStreams() {
        return limits.streams();
    }

    public int maxConnections() {
        return limits.connections();
    }
}
