package io.canarybalancer.replica.lifecycle;

import org.eclipse.jetty.server.Server;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Stops the server on SIGTERM or SIGINT before the JVM starts to exit, then exits 0 (stopping on request is
 * a normal end, as for the balancer).
 *
 * <p>Left to the JVM, the stop runs in Jetty's shutdown hook while every other hook runs beside it, H2's
 * among them: an embedded H2 database was closed under delivery workers still finishing their messages, and
 * a message the provider had accepted stayed {@code SENDING}. H2 only lets a database outlive its hook
 * ({@code DB_CLOSE_ON_EXIT=FALSE}) without {@code AUTO_SERVER}, which local replicas need to share a file.
 * Stopped from here, everything happens in lifecycle order while no hook has run yet: the replica leaves
 * Consul, requests in flight finish, managed objects stop in the reverse order of their start (delivery
 * workers before the database pool, which the service built first), and only then does the JVM exit.
 * A second signal during the stop exits at once.
 */
public final class SignalStop {

    private static final Logger LOG = LoggerFactory.getLogger(SignalStop.class);
    private static final String[] SIGNALS = {"TERM", "INT"};

    private final Server server;
    private final AtomicBoolean stopping = new AtomicBoolean();

    private SignalStop(Server server) {
        this.server = server;
    }

    /** Handles SIGTERM and SIGINT for {@code server} from now on (the last server installed wins). */
    public static void install(Server server) {
        SignalStop stop = new SignalStop(server);
        for (String name : SIGNALS) {
            try {
                Signal.handle(new Signal(name), stop::received);
            } catch (IllegalArgumentException e) {
                // The JVM keeps this signal (-Xrs, or no such signal here): its default handling stays.
                LOG.warn("cannot handle SIG{}: {}; the JVM's shutdown hooks will stop the server", name, e.getMessage());
            }
        }
    }

    private void received(Signal signal) {
        if (!stopping.compareAndSet(false, true)) {
            LOG.warn("SIG{} again while stopping: exiting now", signal.getName());
            System.exit(1);
        }
        // Not on the signal's own thread, which is a daemon: the JVM must wait for this stop to end.
        Thread thread = new Thread(() -> stop(signal), "replica-stop");
        thread.setDaemon(false);
        thread.start();
    }

    private void stop(Signal signal) {
        LOG.info("SIG{}: stopping", signal.getName());
        int status = 0;
        try {
            server.stop();
        } catch (Exception e) {
            LOG.error("the server did not stop cleanly", e);
            status = 1;
        }
        System.exit(status);
    }
}
