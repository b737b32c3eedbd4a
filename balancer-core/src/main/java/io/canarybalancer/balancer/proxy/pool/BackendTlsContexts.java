package io.canarybalancer.balancer.proxy.pool;

import io.canarybalancer.balancer.route.BackendTls;
import io.canarybalancer.balancer.tls.TlsEngine;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

import javax.net.ssl.SSLException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The client {@link SslContext} of each backend TLS setting, built once and shared by every event
 * loop: a context holds the trust material and, with OpenSSL, the native context, and a session
 * cache that only helps if connections to a backend share it.
 */
public final class BackendTlsContexts {
    private final Map<BackendTls, SslContext> contexts = new ConcurrentHashMap<>();
    /** The same settings for HTTP/2 backends: ALPN offers {@code h2} alone. */
    private final Map<BackendTls, SslContext> http2Contexts = new ConcurrentHashMap<>();
    private final SslProvider provider;

    /** Contexts on the engine {@link TlsEngine#available()} picks. */
    public BackendTlsContexts() {
        this(provider());
    }

    /** Contexts on this engine (tests run each). */
    BackendTlsContexts(SslProvider provider) {
        this.provider = provider;
    }

    /**
     * The context for {@code tls}: built once per setting, at start-up for every configured route
     * (see {@link BackendPools#prepare}), so on a request's path this is a lookup. A setting met
     * first on an event loop is built there; two loops racing build it twice and keep one, rather
     * than one waiting on the other.
     */
    SslContext get(BackendTls tls) {
        return get(tls, false);
    }

    /** As {@link #get(BackendTls)}, for an HTTP/2 backend when {@code http2}: ALPN offers {@code h2} alone. */
    SslContext get(BackendTls tls, boolean http2) {
        Map<BackendTls, SslContext> cache = http2 ? http2Contexts : contexts;
        SslContext context = cache.get(tls);
        if (context != null) {
            return context;
        }
        try {
            SslContext built = build(tls, provider, http2);
            SslContext raced = cache.putIfAbsent(tls, built);
            return raced != null ? raced : built;
        } catch (SSLException e) {
            throw new UncheckedIOException("backend TLS context failed after passing the start-up check", e);
        }
    }

    /**
     * A client context for {@code tls}: OpenSSL when its native library loads here, else the JDK's
     * engine; TLS 1.2 and 1.3; ALPN offering {@code http/1.1}. The chain is checked against the
     * configured CA or the JDK's trust store, and the host name only when the setting names a server
     * (Netty checks it by default, which an IP-addressed backend's certificate would fail).
     *
     * @throws SSLException when the setting cannot make a context (the configuration reports it)
     */
    public static SslContext build(BackendTls tls) throws SSLException {
        return build(tls, provider(), false);
    }

    private static SslContext build(BackendTls tls, SslProvider provider, boolean http2) throws SSLException {
        SslContextBuilder builder = SslContextBuilder.forClient()
                .sslProvider(provider)
                .protocols("TLSv1.3", "TLSv1.2")
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        // The only behaviours both engines support.
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        http2 ? ApplicationProtocolNames.HTTP_2 : ApplicationProtocolNames.HTTP_1_1))
                .endpointIdentificationAlgorithm(tls.verify() && tls.serverName() != null ? "HTTPS" : null);
        if (!tls.verify()) {
            builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
        } else if (!tls.defaultTrust()) {
            builder.trustManager(tls.trusted());
        }
        return builder.build();
    }

    private static SslProvider provider() {
        return TlsEngine.available().provider();
    }
}
