package io.canarybalancer.balancer.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;

import java.util.Locale;

/**
 * The TLS implementation: BoringSSL through netty-tcnative when its native library loads on this
 * platform (faster handshakes and records than the JDK's), the JDK's own engine otherwise.
 */
public enum TlsEngine {
    OPENSSL(SslProvider.OPENSSL), JDK(SslProvider.JDK);

    private final SslProvider provider;

    TlsEngine(SslProvider provider) {
        this.provider = provider;
    }

    /** OpenSSL when netty-tcnative loads here, else the JDK's. */
    public static TlsEngine available() {
        return OpenSsl.isAvailable() ? OPENSSL : JDK;
    }

    /** Netty's name for the engine. */
    public SslProvider provider() {
        return provider;
    }

    /** {@code openssl} or {@code jdk}, as {@code /status} shows it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
