package io.canarybalancer.balancer.discovery.consul;

import io.canarybalancer.balancer.discovery.Catalog;
import io.canarybalancer.balancer.discovery.ReplicaSource;
import io.canarybalancer.balancer.discovery.ServiceInstance;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.HealthClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Replicas from Consul: one {@link ServiceWatcher} per service name, each on its own daemon thread,
 * merged into one catalog that is republished on every real change of any service. Until a service
 * has its first answer, the catalog lists it as pending, with the watch's last failure ("waiting for
 * Consul at http://127.0.0.1:8500: ... Connection refused"), which routes and {@code /status} show.
 *
 * <p>Blocking queries go through consul-client's {@link HealthClient} with our own loop rather than
 * its {@code ServiceHealthCache}, whose loop keeps a backwards index, does not clamp a zero one,
 * spins on a missing index header and stops for good on an unparsable one.
 */
public final class ConsulReplicaSource implements ReplicaSource {
    private static final Logger log = LoggerFactory.getLogger(ConsulReplicaSource.class);

    private final ConsulSettings settings;
    private final List<String> services;
    private final Map<String, List<ServiceInstance>> known = new LinkedHashMap<>();
    private final Map<String, String> pending = new LinkedHashMap<>();
    private final List<ServiceWatcher> watchers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private Consumer<Catalog> listener;
    private Consul consul;

    public ConsulReplicaSource(ConsulSettings settings, Collection<String> services) {
        this.settings = settings;
        this.services = List.copyOf(new LinkedHashSet<>(services));
    }

    @Override
    public void start(Consumer<Catalog> listener) {
        synchronized (this) {
            this.listener = listener;
            services.forEach(service -> pending.put(service, "waiting for Consul at " + settings.url()));
            listener.accept(new Catalog(known, pending));
        }
        consul = settings.client();
        HealthClient health = consul.healthClient();
        for (String service : services) {
            ServiceWatcher watcher = new ServiceWatcher(service, (name, index, wait) ->
                    health.getAllServiceInstances(name, settings.queryOptions(index, wait)), settings,
                    this::changed, this::waiting,
                    new Backoff(settings.backoffMin(), settings.backoffMax(), ThreadLocalRandom.current()::nextDouble),
                    Clock.systemUTC());
            Thread thread = new Thread(watcher, "consul-watch-" + service);
            thread.setDaemon(true);
            watchers.add(watcher);
            threads.add(thread);
        }
        log.info("Watching {} in Consul at {}", services, settings.url());
        threads.forEach(Thread::start);
    }

    /** Applied only if the listener takes it: a failure leaves nothing half-stored, and the watch retries. */
    private synchronized void changed(String service, List<ServiceInstance> instances) {
        Map<String, List<ServiceInstance>> next = new LinkedHashMap<>(known);
        next.put(service, instances);
        listener.accept(new Catalog(next, pending));
        known.put(service, instances);
        pending.remove(service);
    }

    private synchronized void waiting(String service, String reason) {
        String why = "waiting for Consul at " + settings.url() + ": " + reason;
        if (!known.containsKey(service) && !why.equals(pending.get(service))) {
            Map<String, String> next = new LinkedHashMap<>(pending);
            next.put(service, why);
            listener.accept(new Catalog(known, next));
            pending.put(service, why);
        }
    }

    /** The state of every watch, for status pages. */
    public List<WatchState> states() {
        return watchers.stream().map(ServiceWatcher::state).toList();
    }

    /** Stops every watch, cancels calls in flight and waits (bounded) for the watch threads to end. */
    @Override
    public void close() {
        watchers.forEach(ServiceWatcher::close);
        if (consul != null) {
            consul.destroy();
        }
        for (Thread thread : threads) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
