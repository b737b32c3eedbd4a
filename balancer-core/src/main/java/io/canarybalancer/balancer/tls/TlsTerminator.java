package io.canarybalancer.balancer.tls;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslContext;
import io.netty.util.Mapping;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * TLS for one listener: its certificate pairs, the server-name table built from them, and the
 * handlers each of its connections starts with. New handshakes read the table of the moment; a
 * reload publishes a new table, so open connections keep the certificate they began with.
 */
public final class TlsTerminator {
    /** Names of the handlers {@link #addTo} adds, in pipeline order. */
    public static final String PLAIN_HTTP = "plain-http";
    public static final String HANDSHAKE = "tls";
    /** How long a client may take to complete the handshake, from its first byte. */
    private static final long HANDSHAKE_TIMEOUT_MILLIS = 10_000;
    private static final Logger log = LoggerFactory.getLogger(TlsTerminator.class);

    private final String listener;
    private final TlsEngine engine;
    /** The default pair first, then the SNI pairs; only {@link #reloadIfChanged()} changes them. */
    private final List<CertificateSlot> slots;
    private final LongAdder handshakeFailures = new LongAdder();
    private volatile ServerNames names;
    /** Shared by every connection's handshake: the table of now, and the failure count. */
    private final Mapping<String, SslContext> mapping = hostname -> names.map(hostname);
    private final Consumer<Throwable> onFailure = this::handshakeFailed;

    private TlsTerminator(String listener, TlsEngine engine, List<CertificateSlot> slots) {
        this.listener = listener;
        this.engine = engine;
        this.slots = List.copyOf(slots);
        this.names = table();
    }

    /**
     * Loads every pair of {@code settings}.
     *
     * @param listener the listener's name in log lines
     * @throws CertificateLoadException when a pair does not load: nothing can be served without it
     */
    public static TlsTerminator load(String listener, TlsSettings settings, TlsEngine engine, Clock clock)
            throws CertificateLoadException {
        List<CertificateSlot> slots = new ArrayList<>();
        slots.add(new CertificateSlot(settings.certificate(), false, engine, clock));
        for (CertificateFiles pair : settings.sni()) {
            slots.add(new CertificateSlot(pair, true, engine, clock));
        }
        return new TlsTerminator(listener, engine, slots);
    }

    /** The SNI pairs in their order, then the default pair's own names; other names get the default. */
    private ServerNames table() {
        CertificateSlot fallback = slots.get(0);
        ServerNames.Builder table = ServerNames.builder(fallback.context());
        for (CertificateSlot slot : slots.subList(1, slots.size())) {
            table.add(slot.names(), slot.context());
        }
        return table.add(fallback.names(), fallback.context()).build();
    }

    /**
     * Puts TLS at the front of a new connection's pipeline: the plain-HTTP check, then the
     * handshake; what follows reads plain bytes.
     */
    public void addTo(ChannelPipeline pipeline) {
        pipeline.addLast(PLAIN_HTTP, PlainHttpRejector.INSTANCE);
        pipeline.addLast(HANDSHAKE, new TlsHandshake(mapping, HANDSHAKE_TIMEOUT_MILLIS, onFailure));
    }

    private void handshakeFailed(Throwable cause) {
        handshakeFailures.increment();
        log.debug("TLS handshake on {} failed: {}", listener, cause.toString());
    }

    /**
     * Loads again each pair whose files changed; runs on one thread only. A pair that does not load
     * is logged and its last good certificate stays in service.
     */
    public void reloadIfChanged() {
        boolean changed = false;
        for (CertificateSlot slot : slots) {
            SslContext before = slot.context();
            CertificateLoadException failure = slot.reloadIfChanged();
            if (failure != null) {
                log.warn("TLS on {}: the new {} was not loaded: {}; still serving serial {}", listener,
                        slot.files().cert().getFileName(), failure.describe(), slot.status().served().serial());
            } else if (slot.context() != before) {
                changed = true;
                CertificateFacts served = slot.status().served();
                log.info("TLS on {}: loaded {}: serial {}, {}, expires {}", listener, slot.files().cert(),
                        served.serial(), served.subject(), served.notAfter());
            }
        }
        if (changed) {
            names = table();
        }
    }

    public TlsEngine engine() {
        return engine;
    }

    /** Each pair's state, the default pair first. */
    public List<CertificateStatus> certificates() {
        return slots.stream().map(CertificateSlot::status).toList();
    }

    /** Handshakes that failed since start (a client that refused the certificate, spoke no TLS 1.2+, ...). */
    public long handshakeFailures() {
        return handshakeFailures.sum();
    }
}
