package io.canarybalancer.replica.registration;

import io.canarybalancer.replica.core.ReplicaIdentity;
import io.canarybalancer.replica.core.ReplicaSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Keeps one replica registered: registers once the server listens, retries in the background with a
 * doubling delay while the registry is unreachable (start-up never waits for it), checks now and then
 * that the registry still lists the replica (a restarted dev agent forgets everything) and deregisters
 * on shutdown.
 *
 * <p>Every attempt runs on one private scheduler thread, so attempts never overlap; {@link #stop} shuts
 * that thread down and waits for it before deregistering, so no late registration can follow the
 * deregistration.
 */
public final class Registrar {

    private static final Logger LOG = LoggerFactory.getLogger(Registrar.class);

    private final ReplicaRegistry registry;
    private final ReplicaSettings.Timings timings;
    private final ScheduledExecutorService scheduler;

    // STOPPED is final: every other transition goes through advance(), which never leaves it.
    private final AtomicReference<RegistrationState> state =
            new AtomicReference<>(RegistrationState.WAITING_FOR_SERVER);
    private volatile ReplicaIdentity replica;
    private volatile int failedAttempts;
    // Confined to the scheduler thread.
    private Duration nextDelay;

    /** @param registry where to register; closed by {@link #stop} */
    public Registrar(ReplicaRegistry registry, ReplicaSettings.Timings timings) {
        this.registry = registry;
        this.timings = timings;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "replica-registrar");
            thread.setDaemon(true);
            return thread;
        });
        this.nextDelay = timings.retryInterval();
    }

    /** Starts registering {@code identity}; returns at once. */
    public void start(ReplicaIdentity identity) {
        this.replica = identity;
        if (state.compareAndSet(RegistrationState.WAITING_FOR_SERVER, RegistrationState.RETRYING)) {
            execute(this::attempt);
        }
    }

    /**
     * Stops retrying and deregisters the replica if an attempt may have registered it.
     *
     * @param timeout how long to wait for an attempt in flight
     */
    public void stop(Duration timeout) {
        RegistrationState before = state.getAndSet(RegistrationState.STOPPED);
        if (before == RegistrationState.STOPPED) {
            return;
        }
        scheduler.shutdownNow();
        try {
            if (!scheduler.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("a registration attempt was still running at shutdown");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // A failed attempt may still have reached the agent (a lost response): deregister whenever one ran.
        if (before != RegistrationState.WAITING_FOR_SERVER && replica != null) {
            try {
                registry.deregister(replica);
                LOG.info("deregistered {} from {}", replica.replicaId(), registry.describe());
            } catch (RuntimeException e) {
                LOG.warn("could not deregister {} from {} ({}); it will be removed once its check has been "
                        + "critical for {}", replica.replicaId(), registry.describe(), e.toString(),
                        timings.deregisterAfter());
            }
        }
        registry.close();
    }

    /** @return where the registration stands */
    public RegistrationState state() {
        return state.get();
    }

    /** @return consecutive failed attempts since the last success */
    public int failedAttempts() {
        return failedAttempts;
    }

    private void attempt() {
        if (state.get() == RegistrationState.STOPPED) {
            return;
        }
        try {
            registry.register(replica);
        } catch (RuntimeException e) {
            int failures = ++failedAttempts;
            advance(RegistrationState.RETRYING);
            Duration delay = nextDelay;
            nextDelay = min(nextDelay.multipliedBy(2), timings.maxRetryInterval());
            if (failures == 1) {
                LOG.warn("could not register {} with {} ({}); retrying in the background",
                        replica.replicaId(), registry.describe(), e.toString());
            } else {
                LOG.debug("registration attempt {} failed: {}", failures, e.toString());
            }
            schedule(this::attempt, delay);
            return;
        }
        if (failedAttempts > 0) {
            LOG.info("registered {} as {} with {} after {} failed attempts", replica.replicaId(),
                    replica.serviceName(), registry.describe(), failedAttempts);
        } else {
            LOG.info("registered {} as {} with {}", replica.replicaId(), replica.serviceName(), registry.describe());
        }
        failedAttempts = 0;
        nextDelay = timings.retryInterval();
        advance(RegistrationState.REGISTERED);
        schedule(this::resync, timings.resyncInterval());
    }

    private void resync() {
        if (state.get() == RegistrationState.STOPPED) {
            return;
        }
        boolean listed;
        try {
            listed = registry.isRegistered(replica);
        } catch (RuntimeException e) {
            // Unreachable now says nothing about the registration; look again later.
            LOG.debug("could not check the registration of {}: {}", replica.replicaId(), e.toString());
            schedule(this::resync, timings.resyncInterval());
            return;
        }
        if (listed) {
            schedule(this::resync, timings.resyncInterval());
        } else {
            LOG.warn("{} no longer lists {}; registering again", registry.describe(), replica.replicaId());
            advance(RegistrationState.RETRYING);
            attempt();
        }
    }

    private void advance(RegistrationState next) {
        state.updateAndGet(current -> current == RegistrationState.STOPPED ? current : next);
    }

    private void execute(Runnable task) {
        schedule(task, Duration.ZERO);
    }

    private void schedule(Runnable task, Duration delay) {
        try {
            scheduler.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // stop() won the race: nothing more to do.
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
