package io.canarybalancer.balancer.tls;

import io.netty.handler.ssl.SslContext;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * One configured pair and what is served for it. Changed only by the thread that reloads (after
 * construction), read by any thread through the immutable {@link #status()} it publishes.
 */
final class CertificateSlot {
    private final CertificateFiles files;
    private final boolean sni;
    private final TlsEngine engine;
    private final Clock clock;

    private FileStamp certStamp;
    private FileStamp keyStamp;
    private SslContext context;
    private List<String> names;
    private volatile CertificateStatus status;

    /** Loads the pair; a pair that does not load fails here, as at start-up nothing else could be served. */
    CertificateSlot(CertificateFiles files, boolean sni, TlsEngine engine, Clock clock) throws CertificateLoadException {
        this.files = files;
        this.sni = sni;
        this.engine = engine;
        this.clock = clock;
        this.certStamp = FileStamp.of(files.cert());
        this.keyStamp = FileStamp.of(files.key());
        load(clock.instant());
    }

    /**
     * Loads the files again if either changed since the last look. A pair that loads replaces the
     * served one; one that does not leaves it in place and is returned as the failure.
     *
     * @return {@code null} when nothing changed or the new pair is served now, else the failure
     */
    CertificateLoadException reloadIfChanged() {
        FileStamp cert = FileStamp.of(files.cert());
        FileStamp key = FileStamp.of(files.key());
        if (cert.equals(certStamp) && key.equals(keyStamp)) {
            return null;
        }
        // Remembered before loading, so a broken pair is tried once, and again when either file changes.
        certStamp = cert;
        keyStamp = key;
        Instant now = clock.instant();
        try {
            load(now);
            return null;
        } catch (CertificateLoadException e) {
            status = new CertificateStatus(files.cert(), sni, status.served(), names, status.loadedAt(), e.describe(), now);
            return e;
        }
    }

    /** Loads the files and serves them from now on, or fails leaving what is served as it was. */
    private void load(Instant now) throws CertificateLoadException {
        CertificatePair pair = CertificatePair.load(files, sni, now);
        List<String> names = pair.serverNames();
        SslContext context = ServerContexts.build(pair, engine);
        this.context = context;
        this.names = names;
        this.status = new CertificateStatus(files.cert(), sni, pair.facts(), names, now, null, null);
    }

    SslContext context() {
        return context;
    }

    List<String> names() {
        return names;
    }

    CertificateStatus status() {
        return status;
    }

    CertificateFiles files() {
        return files;
    }
}
