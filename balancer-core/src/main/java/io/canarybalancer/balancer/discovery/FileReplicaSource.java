package io.canarybalancer.balancer.discovery;

import io.canarybalancer.balancer.config.yaml.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Replicas from a {@link ReplicaFile}, reloaded when the file changes. The folder is watched (so
 * editors that replace the file atomically are seen) and the content is also compared once a second,
 * in case an event is missed. An edit that does not parse, or holds an entry that cannot be used, is
 * logged once (file, entry and reason) and ignored: the last good catalog stays in force. Nothing
 * that goes wrong in one reload, not even an {@link Error} from the listener, ends the reloader.
 */
public final class FileReplicaSource implements ReplicaSource {
    private static final Logger log = LoggerFactory.getLogger(FileReplicaSource.class);
    private static final long RECHECK_MILLIS = 1000;

    private final Path file;
    private final Catalog initial;
    private final WatchService watcher;
    private volatile boolean closed;
    private Thread thread;

    // Touched only by the watch thread after start().
    private byte[] applied;
    private byte[] rejected;
    private boolean missing;

    /** Reads the file once; a missing or invalid file fails here, before anything starts. */
    public FileReplicaSource(Path file) throws ConfigException {
        this.file = file.toAbsolutePath().normalize();
        try {
            this.applied = Files.readAllBytes(this.file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file, "", "replica file does not exist");
        } catch (IOException e) {
            throw new ConfigException(file, "", "cannot read replica file: " + e.getMessage());
        }
        this.initial = ReplicaFile.parse(file, applied);
        try {
            this.watcher = this.file.getFileSystem().newWatchService();
            this.file.getParent().register(watcher, StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
        } catch (IOException e) {
            throw new ConfigException(file, "", "cannot watch the replica file's folder: " + e.getMessage());
        }
    }

    @Override
    public void start(Consumer<Catalog> listener) {
        listener.accept(initial);
        thread = new Thread(() -> watch(listener), "replica-file-watch");
        thread.setDaemon(true);
        thread.start();
    }

    private void watch(Consumer<Catalog> listener) {
        try {
            while (!closed) {
                var key = watcher.poll(RECHECK_MILLIS, TimeUnit.MILLISECONDS);
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                }
                try {
                    reloadIfChanged(listener);
                } catch (VirtualMachineError e) {
                    throw e;
                } catch (RuntimeException | Error e) {
                    // The content stays unapplied and is not retried until it changes again.
                    log.error("Replica file {} could not be applied; keeping the last good replicas", file, e);
                }
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            // close() was called.
        }
    }

    private void reloadIfChanged(Consumer<Catalog> listener) {
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            if (!missing) {
                log.warn("Replica file {} cannot be read ({}); keeping the last good replicas", file, e.toString());
                missing = true;
            }
            return;
        }
        missing = false;
        if (Arrays.equals(content, applied) || Arrays.equals(content, rejected)) {
            return;
        }
        try {
            Catalog catalog = ReplicaFile.parse(file, content);
            rejected = content; // until the listener took it
            log.info("Replica file {} changed; applying it", file);
            listener.accept(catalog);
            applied = content;
            rejected = null;
        } catch (ConfigException e) {
            rejected = content;
            log.warn("Replica file edit ignored, keeping the last good replicas: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            watcher.close();
        } catch (IOException e) {
            log.debug("Closing the file watcher failed", e);
        }
        if (thread != null) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
