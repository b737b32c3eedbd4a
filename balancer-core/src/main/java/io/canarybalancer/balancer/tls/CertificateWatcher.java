package io.canarybalancer.balancer.tls;

import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Looks at the certificate and key files of every TLS listener once per interval, on a thread of
 * its own (file reads and key parsing never run on an event loop), and reloads the pairs that
 * changed. Polling the files' stamps rather than watching folders: renewals arrive by rename into
 * the folder or by a symbolic link swapped further up (Kubernetes secrets), which folder events
 * report unreliably or not at all, and a few stat calls a second cost nothing.
 */
public final class CertificateWatcher implements AutoCloseable {
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);
    private static final Logger log = LoggerFactory.getLogger(CertificateWatcher.class);

    private final ScheduledExecutorService thread;

    private CertificateWatcher(ScheduledExecutorService thread) {
        this.thread = thread;
    }

    /** Starts watching; with no terminator, no thread is started. */
    public static CertificateWatcher start(List<TlsTerminator> terminators, Duration interval) {
        if (terminators.isEmpty()) {
            return new CertificateWatcher(null);
        }
        List<TlsTerminator> watched = List.copyOf(terminators);
        ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(
                new DefaultThreadFactory("tls-certificate-watch", true));
        thread.scheduleWithFixedDelay(() -> {
            for (TlsTerminator terminator : watched) {
                try {
                    terminator.reloadIfChanged();
                } catch (RuntimeException e) { // never let one bad look end the watching
                    log.warn("Checking the TLS certificates failed", e);
                }
            }
        }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        return new CertificateWatcher(thread);
    }

    @Override
    public void close() {
        if (thread != null) {
            thread.shutdownNow();
        }
    }
}
