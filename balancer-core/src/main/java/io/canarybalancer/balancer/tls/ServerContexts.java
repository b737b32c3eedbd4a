package io.canarybalancer.balancer.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig.Protocol;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectedListenerFailureBehavior;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectorFailureBehavior;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProtocols;

import java.security.cert.X509Certificate;
import java.util.List;

/** Builds the server {@link SslContext} of a certificate pair: the same protocols and ALPN for every pair. */
final class ServerContexts {
    /** TLS 1.0 and 1.1 are broken or deprecated (RFC 8996); nothing older is offered either. */
    static final List<String> PROTOCOLS = List.of(SslProtocols.TLS_v1_3, SslProtocols.TLS_v1_2);
    /** What ALPN offers, most preferred first: HTTP/2, then HTTP/1.1. */
    static final List<String> ALPN = List.of(ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1);

    private ServerContexts() {
    }

    /**
     * The context serving {@code pair} with {@code engine}.
     *
     * @throws CertificateLoadException when the engine refuses the pair (an algorithm it lacks, say)
     */
    static SslContext build(CertificatePair pair, TlsEngine engine) throws CertificateLoadException {
        try {
            return SslContextBuilder.forServer(pair.key(), pair.chain().toArray(new X509Certificate[0]))
                    .sslProvider(engine.provider())
                    .protocols(PROTOCOLS)
                    // A client that offers none of ours gets no ALPN answer and speaks HTTP/1.1,
                    // as it would without ALPN: the two behaviours every engine supports.
                    .applicationProtocolConfig(new ApplicationProtocolConfig(Protocol.ALPN,
                            SelectorFailureBehavior.NO_ADVERTISE, SelectedListenerFailureBehavior.ACCEPT, ALPN))
                    .build();
        } catch (Exception e) { // build() declares SSLException, an engine may throw unchecked ones
            throw new CertificateLoadException(pair.files().cert(), false, "the " + engine.label()
                    + " engine cannot serve this pair: " + e.getMessage(), e);
        }
    }
}
