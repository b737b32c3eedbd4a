package io.canarybalancer.balancer.discovery.consul;

import io.canarybalancer.balancer.discovery.ServiceInstance;
import io.canarybalancer.balancer.discovery.SkippedInstance;
import org.kiwiproject.consul.model.ConsulResponse;
import org.kiwiproject.consul.model.health.ServiceHealth;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Watches one service's healthy instances with blocking queries, on its own thread, and publishes
 * each real change. Immune by construction to the ways a watch can die or spin:
 * <ul>
 *   <li>every failure (refused, reset, timeout, 4xx/5xx, unparsable body, unparsable index, or the
 *       publisher throwing) is caught, counted and retried after a jittered exponential backoff;
 *       the last published replicas stay in force meanwhile;</li>
 *   <li>an instance that cannot be used (see {@link HealthEntries}) is skipped, logged once and
 *       listed in the state; the others are published as usual;</li>
 *   <li>the next index follows Consul's rules ({@link BlockingIndex}), and a {@link RateLimiter}
 *       bounds the call rate even when answers come back at once (both in {@link BlockingWatch});</li>
 *   <li>an answer identical to the last one publishes nothing;</li>
 *   <li>an empty answer right after the index went backwards is held for a grace period (see
 *       {@link ConsulSettings#emptyAnswerGrace()}).</li>
 * </ul>
 * Logs once per change of state (failing, recovered, holding), never once per retry.
 */
final class ServiceWatcher extends BlockingWatch<HealthEntries.Instances> {
    private static final Logger log = LoggerFactory.getLogger(ServiceWatcher.class);

    private final String service;
    private final HealthQuery query;
    private final ConsulSettings settings;
    private final BiConsumer<String, List<ServiceInstance>> publisher;
    private final BiConsumer<String, String> waiting;
    private final Clock clock;
    private volatile WatchState state;

    // Touched by the watch thread only.
    private List<ServiceInstance> published;
    private final Set<String> loggedSkips = new HashSet<>();
    private long askedIndex;
    private BigInteger answeredIndex;
    private boolean afterReset;
    private long holdUntilNanos;
    private boolean holding;

    /**
     * @param publisher told each real change of the service's usable instances
     * @param waiting   told why the service has no answer yet, on each failure before its first answer
     */
    ServiceWatcher(String service, HealthQuery query, ConsulSettings settings,
                   BiConsumer<String, List<ServiceInstance>> publisher, BiConsumer<String, String> waiting,
                   Backoff backoff, Clock clock) {
        super(settings, backoff);
        this.service = service;
        this.query = query;
        this.settings = settings;
        this.publisher = publisher;
        this.waiting = waiting;
        this.clock = clock;
        this.state = WatchState.initial(service);
    }

    WatchState state() {
        return state;
    }

    @Override
    protected Answer<HealthEntries.Instances> ask(long index) {
        askedIndex = index;
        ConsulResponse<List<ServiceHealth>> response = query.query(service, index,
                holding ? holdWait() : settings.blockingWait());
        answeredIndex = response.getIndex();
        return new Answer<>(HealthEntries.instances(response.getResponse()), response.getIndex(),
                response.isKnownLeader());
    }

    @Override
    protected void answered(HealthEntries.Instances answer, BlockingIndex step, boolean knownLeader) {
        List<ServiceInstance> instances = answer.instances();
        noteSkipped(answer.skipped());
        if (step.reset()) {
            log.info("Consul index of {} went back from {} to {}; reading afresh", service, askedIndex, answeredIndex);
        }
        boolean suspicious = instances.isEmpty() && published != null && !published.isEmpty()
                && (step.reset() || afterReset || holding);
        afterReset = step.reset();
        if (suspicious) {
            long now = System.nanoTime();
            if (!holding) {
                holding = true;
                holdUntilNanos = now + settings.emptyAnswerGrace().toNanos();
                log.warn("Consul answered no instance of {} right after its index went back; keeping the {} "
                        + "known replicas for up to {}", service, published.size(), settings.emptyAnswerGrace());
            } else if (now - holdUntilNanos >= 0) {
                holding = false;
                log.warn("Consul still lists no instance of {} after {}; dropping its replicas", service,
                        settings.emptyAnswerGrace());
                publish(instances);
            }
        } else {
            if (holding) {
                holding = false;
                log.info("Consul lists instances of {} again", service);
            }
            if (!instances.equals(published)) {
                publish(instances);
            }
        }
        state = state.succeeded(clock.instant(), step.next(), holding, published == null ? 0 : published.size(),
                knownLeader, answer.skipped());
    }

    /** Logs each unusable instance once, until it is fixed or gone (then again if it comes back broken). */
    private void noteSkipped(List<SkippedInstance> skipped) {
        Set<String> now = new HashSet<>();
        for (SkippedInstance instance : skipped) {
            now.add(instance.id());
            if (loggedSkips.add(instance.id())) {
                log.warn("Consul instance {} of {} skipped: {}; the other instances are routed as usual",
                        instance.id(), service, instance.reason());
            }
        }
        loggedSkips.retainAll(now);
    }

    @Override
    protected void recovered(int failures) {
        log.info("Consul watch of {} recovered after {} failed attempt(s)", service, failures);
    }

    @Override
    protected void failed(Throwable e, int consecutive) {
        String reason = describe(e);
        if (consecutive == 1) {
            if (e instanceof RuntimeException) {
                log.warn("Consul watch of {} failing ({}); routing stays on the last good replicas", service, reason);
            } else {
                log.error("Consul watch of {} failing; routing stays on the last good replicas", service, e);
            }
        } else {
            log.debug("Consul watch of {} still failing: {}", service, reason);
        }
        state = state.failed(reason);
        if (published == null) {
            waiting.accept(service, reason);
        }
    }

    /** Publishes, and records what was published only once the publisher took it, so a failed publication is retried. */
    private void publish(List<ServiceInstance> instances) {
        publisher.accept(service, instances);
        published = instances;
    }

    /** While holding replicas, block no longer than the grace period has left. */
    private Duration holdWait() {
        long left = Math.max(1, holdUntilNanos - System.nanoTime());
        return Duration.ofNanos(Math.min(left, settings.blockingWait().toNanos()));
    }
}
