package io.canarybalancer.balancer.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.canarybalancer.balancer.discovery.consul.Backoff;
import io.canarybalancer.balancer.discovery.consul.BlockingIndex;
import io.canarybalancer.balancer.discovery.consul.BlockingWatch;
import io.canarybalancer.balancer.discovery.consul.ConsulSettings;
import io.canarybalancer.balancer.discovery.consul.WatchState;
import io.canarybalancer.balancer.rollout.RolloutState.AutoRollback;
import io.canarybalancer.balancer.route.Strategy;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.ConsulException;
import org.kiwiproject.consul.KeyValueClient;
import org.kiwiproject.consul.model.ConsulResponse;
import org.kiwiproject.consul.model.kv.Value;
import org.kiwiproject.consul.option.ImmutablePutOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Rollout state in Consul KV, one key per route under a prefix ({@code canary-balancer/rollout/}
 * by default), as JSON. Every balancer instance watches the prefix with blocking queries and applies
 * what it finds, so a change made through any of them reaches all, and survives restarts.
 *
 * <p>Writes are check-and-set: read the key and its {@code ModifyIndex}, apply the change, write
 * with {@code ?cas=} that index; if another instance wrote in between, read again and re-apply. The
 * watch follows the same index, backoff and rate-limit rules as the service watches.
 */
public final class ConsulRolloutStore implements RolloutStore {
    private static final Logger log = LoggerFactory.getLogger(ConsulRolloutStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CAS_ATTEMPTS = 5;

    private final ConsulSettings settings;
    private final String prefix;
    private Consul consul;
    private KeyValueClient kv;
    private volatile RolloutWatch watch; // read by status pages on other threads
    private Thread thread;
    private Consumer<Map<String, RolloutState>> listener;
    private Map<String, RolloutState> known = Map.of();
    /**
     * Per route written by this instance: the KV index its value had just after the write. A watch
     * answer from before that index (read before the write, or from a stale server) would undo the
     * write locally, so this instance's value is kept until the watch has caught up.
     */
    private final Map<String, Long> ownWrites = new HashMap<>();

    public ConsulRolloutStore(ConsulSettings settings, String prefix) {
        this.settings = settings;
        this.prefix = prefix.endsWith("/") ? prefix : prefix + "/";
    }

    @Override
    public void start(Consumer<Map<String, RolloutState>> listener) {
        this.listener = listener;
        consul = settings.client();
        kv = consul.keyValueClient();
        watch = new RolloutWatch();
        thread = new Thread(watch, "consul-watch-rollout");
        thread.setDaemon(true);
        thread.start();
    }

    /** The state of the watch of the rollout keys, for status pages; named {@code kv:PREFIX}. */
    public WatchState state() {
        RolloutWatch current = watch;
        return current == null ? WatchState.initial("kv:" + prefix) : current.state;
    }

    /** The blocking watch of every route's stored state under the prefix. */
    private final class RolloutWatch extends BlockingWatch<Map<String, RolloutState>> {
        private BigInteger answeredIndex;
        private volatile WatchState state = WatchState.initial("kv:" + prefix);

        RolloutWatch() {
            super(settings, new Backoff(settings.backoffMin(), settings.backoffMax(),
                    ThreadLocalRandom.current()::nextDouble));
        }

        @Override
        protected Answer<Map<String, RolloutState>> ask(long index) {
            ConsulResponse<List<Value>> response = read(index);
            answeredIndex = response.getIndex();
            return new Answer<>(parse(response.getResponse()), response.getIndex(), response.isKnownLeader());
        }

        @Override
        protected void answered(Map<String, RolloutState> states, BlockingIndex step, boolean knownLeader) {
            applyWatch(states, answeredIndex);
            state = state.succeeded(Instant.now(), step.next(), false, states.size(), knownLeader, List.of());
        }

        @Override
        protected void failed(Throwable e, int consecutive) {
            if (consecutive == 1) {
                log.warn("Consul watch of rollout state failing ({}); keeping the current state", describe(e));
            }
            state = state.failed(describe(e));
        }

        @Override
        protected void recovered(int failures) {
            log.info("Consul watch of rollout state recovered after {} failed attempt(s)", failures);
        }
    }

    /** The values under the prefix; a missing prefix (404) is an empty list. */
    private ConsulResponse<List<Value>> read(long index) {
        ConsulResponse<List<Value>> response = kv.getConsulResponseWithValues(prefix,
                settings.queryOptions(index, settings.blockingWait()));
        return response.getResponse() == null
                ? new ConsulResponse<>(List.of(), response.getLastContact(), response.isKnownLeader(),
                response.getIndex(), Optional.empty())
                : response;
    }

    private Map<String, RolloutState> parse(List<Value> values) {
        Map<String, RolloutState> states = new LinkedHashMap<>();
        for (Value value : values) {
            Optional<String> json = value.getValue().map(ConsulRolloutStore::decode);
            if (json.isEmpty()) {
                continue;
            }
            try {
                JsonNode node = JSON.readTree(json.get());
                states.put(node.path("route").asText(), fromJson(node));
            } catch (Exception e) {
                log.warn("Ignoring rollout state at {} that does not parse: {}", value.getKey(), e.getMessage());
            }
        }
        return states;
    }

    private synchronized void applyWatch(Map<String, RolloutState> states, BigInteger answerIndex) {
        long answered = answerIndex == null ? 0 : answerIndex.longValue();
        Map<String, RolloutState> merged = new LinkedHashMap<>(states);
        for (Iterator<Map.Entry<String, Long>> writes = ownWrites.entrySet().iterator(); writes.hasNext(); ) {
            Map.Entry<String, Long> write = writes.next();
            if (answered >= write.getValue()) {
                writes.remove(); // the watch shows that write, or something newer
            } else if (known.containsKey(write.getKey())) {
                merged.put(write.getKey(), known.get(write.getKey()));
            }
        }
        publishIfChanged(merged);
    }

    private synchronized void publishIfChanged(Map<String, RolloutState> states) {
        if (!states.equals(known)) {
            known = Map.copyOf(states);
            listener.accept(known);
        }
    }

    @Override
    public RolloutState update(String route, RolloutState current, UnaryOperator<RolloutState> change)
            throws RolloutException {
        String key = key(route);
        try {
            for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
                Optional<ConsulResponse<Value>> stored = kv.getConsulResponseWithValue(key);
                long modifyIndex = stored.map(response -> response.getResponse().getModifyIndex()).orElse(0L);
                RolloutState base = stored.flatMap(response -> response.getResponse().getValue())
                        .map(ConsulRolloutStore::decode).map(ConsulRolloutStore::readState).orElse(current);
                RolloutState next = change.apply(base);
                if (stored.isPresent() && next.equals(base)) {
                    return next; // nothing to write
                }
                if (kv.putValue(key, toJson(route, next), 0, ImmutablePutOptions.builder().cas(modifyIndex).build(),
                        StandardCharsets.UTF_8)) {
                    long written = indexAfterWrite(key, modifyIndex);
                    synchronized (this) {
                        ownWrites.merge(route, written, Math::max);
                        Map<String, RolloutState> states = new LinkedHashMap<>(known);
                        states.put(route, next);
                        publishIfChanged(states); // apply here at once; the watch confirms
                    }
                    log.info("Rollout of route {} set to {} in Consul", route, next);
                    return next;
                }
            }
        } catch (ConsulException e) {
            throw new RolloutException("Consul refused the change: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new RolloutException("Consul is unreachable: " + e.getMessage(), e);
        }
        throw new RolloutException("the rollout of " + route + " kept changing under us; try again", null);
    }

    /** The key's index now, just after this instance wrote it; past {@code before} if it cannot be read. */
    private long indexAfterWrite(String key, long before) {
        try {
            return kv.getConsulResponseWithValue(key)
                    .map(response -> response.getResponse().getModifyIndex()).orElse(before + 1);
        } catch (RuntimeException e) {
            return before + 1; // the write stands; the watch will show it
        }
    }

    @Override
    public boolean shared() {
        return true;
    }

    @Override
    public void close() {
        if (watch != null) {
            watch.close();
        }
        if (consul != null) {
            consul.destroy();
        }
        if (thread != null) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The KV key of a route: the prefix and the name, with anything but letters, digits, '.', '_', '-' as '_'. */
    String key(String route) {
        return prefix + route.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    static String toJson(String route, RolloutState state) {
        ObjectNode node = JSON.createObjectNode()
                .put("route", route)
                .put("strategy", state.strategy().label())
                .put("weight", state.weight())
                .put("paused", state.paused());
        if (state.autoRollback() != null) {
            node.putObject("autoRollback")
                    .put("reason", state.autoRollback().reason())
                    .put("at", state.autoRollback().at().toString());
        }
        return node.toString();
    }

    private static RolloutState readState(String json) {
        try {
            return fromJson(JSON.readTree(json));
        } catch (Exception e) {
            throw new IllegalStateException("stored rollout state does not parse: " + e.getMessage(), e);
        }
    }

    private static RolloutState fromJson(JsonNode node) {
        JsonNode rollback = node.path("autoRollback");
        return new RolloutState(Strategy.parse(node.path("strategy").asText()), node.path("weight").asInt(),
                node.path("paused").asBoolean(false), rollback.isObject() ? autoRollback(rollback) : null);
    }

    /** Read leniently: a rollback with a damaged reason or time still halts the canary. */
    private static AutoRollback autoRollback(JsonNode node) {
        String reason = node.path("reason").asText("");
        Instant at;
        try {
            at = Instant.parse(node.path("at").asText());
        } catch (DateTimeParseException e) {
            at = Instant.EPOCH;
        }
        return new AutoRollback(reason.isBlank() ? "(reason not recorded)" : reason, at);
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }
}
