package io.canarybalancer.balancer.proxy;

import java.time.Duration;
import java.util.Objects;

/**
 * Timeouts and limits of the proxy, on both sides.
 *
 * @param connectTimeout       how long a backend connection may take to open (then 504)
 * @param responseTimeout      how long a backend may take, after the request was sent, to start its response (then 504)
 * @param clientIdleTimeout    how long an idle client keep-alive connection is kept open
 * @param backendIdleTimeout   how long an idle pooled backend connection is kept open; keep it below the
 *                             backends' own keep-alive timeout
 * @param maxIdlePerReplica    idle backend connections kept per replica and event loop
 * @param maxInitialLineLength longest request line accepted (longer: 414); also bounds a backend's status line
 * @param maxHeaderSize        largest header block accepted (larger: 431); also bounds a backend's response head
 * @param ioThreads            event loop threads; 0 means two per core
 * @param drainTimeout         how long a shutdown waits for exchanges in flight
 * @param requestHeadTimeout   how long a client may take to send a whole request head once it started
 *                             one (slow-header attacks); then 408 and the connection is closed
 * @param maxConnections       client connections served at once; more are answered 503 and closed
 * @param maxHeaderCount       most header fields a request may carry; more are answered 431 and closed
 */
public record ProxySettings(Duration connectTimeout, Duration responseTimeout, Duration clientIdleTimeout,
                            Duration backendIdleTimeout, int maxIdlePerReplica, int maxInitialLineLength,
                            int maxHeaderSize, int ioThreads, Duration drainTimeout, Duration requestHeadTimeout,
                            int maxConnections, int maxHeaderCount) {

    public ProxySettings {
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(responseTimeout, "responseTimeout");
        Objects.requireNonNull(clientIdleTimeout, "clientIdleTimeout");
        Objects.requireNonNull(backendIdleTimeout, "backendIdleTimeout");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        Objects.requireNonNull(requestHeadTimeout, "requestHeadTimeout");
    }

    public static ProxySettings defaults() {
        return new ProxySettings(Duration.ofSeconds(2), Duration.ofSeconds(30), Duration.ofSeconds(60),
                Duration.ofSeconds(30), 64, 8192, 16384, 0, Duration.ofSeconds(30), Duration.ofSeconds(10), 10_000, 100);
    }

    public ProxySettings withIoThreads(int threads) {
        return new ProxySettings(connectTimeout, responseTimeout, clientIdleTimeout, backendIdleTimeout,
                maxIdlePerReplica, maxInitialLineLength, maxHeaderSize, threads, drainTimeout, requestHeadTimeout,
                maxConnections, maxHeaderCount);
    }

    public ProxySettings withMaxConnections(int connections) {
        return new ProxySettings(connectTimeout, responseTimeout, clientIdleTimeout, backendIdleTimeout,
                maxIdlePerReplica, maxInitialLineLength, maxHeaderSize, ioThreads, drainTimeout, requestHeadTimeout,
                connections, maxHeaderCount);
    }

    public ProxySettings withTimeouts(Duration connect, Duration response, Duration clientIdle, Duration backendIdle,
                                      Duration drain, Duration requestHead) {
        return new ProxySettings(connect, response, clientIdle, backendIdle, maxIdlePerReplica,
                maxInitialLineLength, maxHeaderSize, ioThreads, drain, requestHead, maxConnections, maxHeaderCount);
    }

    public ProxySettings withLimits(int requestLine, int headerSize, int headerCount) {
        return new ProxySettings(connectTimeout, responseTimeout, clientIdleTimeout, backendIdleTimeout,
                maxIdlePerReplica, requestLine, headerSize, ioThreads, drainTimeout, requestHeadTimeout,
                maxConnections, headerCount);
    }
}
