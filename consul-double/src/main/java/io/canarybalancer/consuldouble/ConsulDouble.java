package io.canarybalancer.consuldouble;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.canarybalancer.consuldouble.agent.DoubleConfig;
import io.canarybalancer.consuldouble.agent.LocalAgent;
import io.canarybalancer.consuldouble.agent.RegistrationParser;
import io.canarybalancer.consuldouble.catalog.Catalog;
import io.canarybalancer.consuldouble.catalog.RegisteredCheck;
import io.canarybalancer.consuldouble.catalog.RegisteredService;
import io.canarybalancer.consuldouble.catalog.ServiceSpec;
import io.canarybalancer.consuldouble.endpoint.AgentEndpoint;
import io.canarybalancer.consuldouble.endpoint.HealthEndpoint;
import io.canarybalancer.consuldouble.endpoint.JsonRenderer;
import io.canarybalancer.consuldouble.endpoint.KvEndpoint;
import io.canarybalancer.consuldouble.endpoint.Router;
import io.canarybalancer.consuldouble.endpoint.StatusEndpoint;
import io.canarybalancer.consuldouble.fault.Fault;
import io.canarybalancer.consuldouble.fault.FaultPlan;
import io.canarybalancer.consuldouble.http.ApiError;
import io.canarybalancer.consuldouble.kv.KvEntry;
import io.canarybalancer.consuldouble.kv.KvStore;
import io.canarybalancer.consuldouble.server.ConsulHttpHandler;
import io.canarybalancer.consuldouble.server.HttpListener;
import io.canarybalancer.consuldouble.server.ParkedRequests;
import io.canarybalancer.consuldouble.server.RequestRecorder;
import io.canarybalancer.consuldouble.state.StateStore;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * An in-process fake of a single Consul agent's HTTP API (dev-mode server, datacenter {@code dc1}),
 * faithful to the wire format and blocking-query semantics the kiwiproject consul-client depends on,
 * with fault injection and request recording for tests.
 *
 * <pre>{@code
 * try (ConsulDouble consul = ConsulDouble.start()) {
 *     consul.register(ServiceSpec.instance("web-1", "web").address("10.0.0.21").port(8080).passing());
 *     // point the client at consul.url() ...
 *     assertThat(consul.awaitBlocked(1, Duration.ofSeconds(5))).isTrue();   // watcher is parked
 *     consul.setCheckStatus("service:web-1", "critical");                   // wakes it
 * }
 * }</pre>
 *
 * <p>It does not execute HTTP/TCP/gRPC/script checks: their status changes only through
 * {@link #setCheckStatus} (or starts passing with {@link Builder#autoPassNewChecks(boolean)}). TTL checks
 * expire like the real ones. Thread-safe; all methods may be called from any thread.
 */
public final class ConsulDouble implements AutoCloseable {

    private final DoubleConfig config;
    private final EventLoopGroup group;
    private final Catalog catalog = new Catalog();
    private final KvStore kv = new KvStore();
    private final StateStore store;
    private final LocalAgent agent;
    private final ParkedRequests parked;
    private final FaultPlan faults = new FaultPlan();
    private final RequestRecorder recorder = new RequestRecorder();
    private final HttpListener listener;
    private volatile boolean closed;

    private ConsulDouble(DoubleConfig config, int requestedPort) {
        this.config = config;
        this.group = new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("consul-double", true),
                NioIoHandler.newFactory());
        this.store = new StateStore(config.initialIndex(), List.of(catalog, kv));
        this.agent = new LocalAgent(store, catalog, config, group);
        this.parked = new ParkedRequests(config.jitter());
        store.addListener(parked);

        ObjectMapper mapper = new ObjectMapper();
        JsonRenderer json = new JsonRenderer(mapper);
        StatusEndpoint status = new StatusEndpoint(json, config);
        Router router = new Router(
                new HealthEndpoint(store, catalog, json, config),
                new AgentEndpoint(store, catalog, agent, new RegistrationParser(mapper), json, config),
                new KvEndpoint(store, kv, json, config),
                status,
                config);
        this.listener = new HttpListener(group, () -> new ConsulHttpHandler(recorder, faults, router, parked, status));
        try {
            listener.bind(requestedPort);
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    /** Starts a double with default settings on an ephemeral port of 127.0.0.1. */
    public static ConsulDouble start() {
        return builder().start();
    }

    public static Builder builder() {
        return new Builder();
    }

    // ---- connection --------------------------------------------------------------------------------

    /** @return {@code http://127.0.0.1:<port>}, without a trailing slash */
    public String url() {
        return "http://127.0.0.1:" + port();
    }

    public String host() {
        return "127.0.0.1";
    }

    public int port() {
        return listener.port();
    }

    /**
     * Closes the listening socket and every open connection (parked requests see the connection drop),
     * so new connections are refused, as when the agent process dies. State is kept.
     */
    public void stopListener() {
        listener.unbind();
        // Connections are closed by now; don't leave the blocked count to the asynchronous inactive event.
        parked.discardClosed();
    }

    /** Listens again on the same port after {@link #stopListener()}. */
    public void startListener() {
        ensureOpen();
        listener.bind(listener.port());
    }

    public boolean isListening() {
        return listener.isBound();
    }

    /**
     * Answers every parked blocking query with the current state, drops hung requests, closes the
     * listener and all connections, cancels TTL timers and stops the I/O threads. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        faults.clear();
        parked.releaseAll();
        listener.unbind();
        agent.cancelAllTimers();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    // ---- test observability and faults -------------------------------------------------------------

    /** The fault plan: {@code faults().next(3, Fault.noLeader())}, {@code faults().clear()}, ... */
    public FaultPlan faults() {
        return faults;
    }

    /** Every request received, for assertions and for waiting on client activity. */
    public RequestRecorder requests() {
        return recorder;
    }

    /** @return blocking queries currently parked waiting for an index change */
    public int blockedCount() {
        return parked.blockedCount(null);
    }

    /** @return parked blocking queries whose path starts with {@code pathPrefix} */
    public int blockedCount(String pathPrefix) {
        return parked.blockedCount(pathPrefix);
    }

    /** Waits until at least {@code count} blocking queries are parked; false on timeout. */
    public boolean awaitBlocked(int count, Duration timeout) {
        return parked.awaitBlocked(null, count, timeout);
    }

    /** Waits until at least {@code count} blocking queries under {@code pathPrefix} are parked. */
    public boolean awaitBlocked(String pathPrefix, int count, Duration timeout) {
        return parked.awaitBlocked(pathPrefix, count, timeout);
    }

    /** Waits until at most {@code count} blocking queries are parked (e.g. 0: every watcher answered or gone). */
    public boolean awaitBlockedAtMost(int count, Duration timeout) {
        return parked.awaitBlockedAtMost(null, count, timeout);
    }

    /** The wait, jitter included, that the last parked blocking query was given; empty before any. */
    public Optional<Duration> lastBlockingWait() {
        long nanos = parked.lastWaitNanos();
        return nanos < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(nanos));
    }

    /** @return requests currently held by {@link Fault#hang()} */
    public int hangingCount() {
        return parked.hangingCount(null);
    }

    /** Waits until at least {@code count} requests are held by {@link Fault#hang()}. */
    public boolean awaitHanging(int count, Duration timeout) {
        return parked.awaitHanging(null, count, timeout);
    }

    // ---- catalog seeding and inspection ------------------------------------------------------------

    /**
     * Registers (or re-registers) an instance as the agent would, with the same validation, default
     * check IDs/names and index stamping.
     *
     * @throws IllegalArgumentException when Consul would answer 400
     */
    public RegisteredService register(ServiceSpec spec) {
        return api(() -> agent.register(spec, false));
    }

    /**
     * Removes an instance and its checks (any node).
     *
     * @return false when no such service ID exists
     */
    public boolean deregister(String serviceId) {
        boolean exists = service(serviceId).isPresent();
        if (exists) {
            api(() -> {
                agent.deregister(serviceId, false);
                return null;
            });
        }
        return exists;
    }

    /**
     * Sets a check's status as if its HTTP/TCP/TTL check had just reported it; the output is kept.
     * Changing the status bumps the owning service's index.
     *
     * @param checkId e.g. {@code service:web-1}; must be unique across nodes
     * @param status  {@code passing}, {@code warning} or {@code critical}
     */
    public void setCheckStatus(String checkId, String status) {
        setCheckStatus(checkId, status, null);
    }

    /** {@link #setCheckStatus(String, String)} with a new output ({@code null} keeps the current one). */
    public void setCheckStatus(String checkId, String status, String output) {
        api(() -> {
            agent.setCheckStatus(null, checkId, status, output);
            return null;
        });
    }

    /** Puts a service in maintenance: adds the critical {@code _service_maintenance:<id>} check. */
    public void enableMaintenance(String serviceId, String reason) {
        api(() -> {
            agent.serviceMaintenance(serviceId, true, reason, false);
            return null;
        });
    }

    /** Takes a service out of maintenance. */
    public void disableMaintenance(String serviceId) {
        api(() -> {
            agent.serviceMaintenance(serviceId, false, null, false);
            return null;
        });
    }

    /** Flips the node's {@code serfHealth} to critical: every instance on it fails {@code ?passing}. */
    public void failNode(String nodeName) {
        api(() -> {
            agent.setNodeAlive(nodeName, false);
            return null;
        });
    }

    /** Flips the node's {@code serfHealth} back to passing. */
    public void reviveNode(String nodeName) {
        api(() -> {
            agent.setNodeAlive(nodeName, true);
            return null;
        });
    }

    /** @return the agent's own node, where HTTP registrations land */
    public String agentNodeName() {
        return config.nodeName();
    }

    public Optional<RegisteredService> service(String serviceId) {
        return store.read(() -> catalog.service(serviceId));
    }

    public List<RegisteredService> services() {
        return store.read(() -> catalog.services());
    }

    /** @return the checks of one service (not the node's), ordered by check ID */
    public List<RegisteredCheck> checks(String serviceId) {
        return store.read(() -> catalog.checksOfService(serviceId));
    }

    /** @return the check with this ID if exactly one node has it */
    public Optional<RegisteredCheck> check(String checkId) {
        List<RegisteredCheck> found = store.read(() -> catalog.checksWithId(checkId));
        return found.size() == 1 ? Optional.of(found.get(0)) : Optional.empty();
    }

    // ---- KV ----------------------------------------------------------------------------------------

    /** Stores a UTF-8 value; @return the write's ModifyIndex */
    public long putKv(String key, String value) {
        return putKv(key, value.getBytes(StandardCharsets.UTF_8), 0);
    }

    /** Stores raw bytes with flags; @return the write's ModifyIndex */
    public long putKv(String key, byte[] value, long flags) {
        Objects.requireNonNull(key, "key");
        return store.write(txn -> {
            kv.put(txn, key, value, flags, null);
            return txn.index();
        });
    }

    /** @return false when the key did not exist */
    public boolean deleteKv(String key) {
        return store.write(txn -> {
            boolean existed = kv.get(key).isPresent();
            kv.delete(txn, key, null);
            return existed;
        });
    }

    public void deleteKvTree(String prefix) {
        store.write(txn -> {
            kv.deleteTree(txn, prefix);
            return null;
        });
    }

    /** @return the value decoded as UTF-8 */
    public Optional<String> kvValue(String key) {
        return kvBytes(key).map(b -> new String(b, StandardCharsets.UTF_8));
    }

    public Optional<byte[]> kvBytes(String key) {
        return store.read(() -> kv.get(key).map(KvEntry::value));
    }

    public OptionalLong kvModifyIndex(String key) {
        return store.read(() -> kv.get(key).map(e -> OptionalLong.of(e.modifyIndex())).orElse(OptionalLong.empty()));
    }

    /** Forgets delete tombstones, so a recursive KV index may legitimately go backwards. */
    public void reapTombstones() {
        store.write(txn -> {
            kv.reapTombstones();
            return null;
        });
    }

    // ---- indexes -----------------------------------------------------------------------------------

    /** @return the global raft index (the last index any write took) */
    public long currentIndex() {
        return store.currentIndex();
    }

    /** @return the index a health read of {@code serviceName} would report now */
    public long serviceIndex(String serviceName) {
        return store.read(() -> catalog.serviceIndex(serviceName));
    }

    /**
     * Simulates a raft snapshot restore: the global index and every stamped index drop to at most
     * {@code index}, and all parked blocking queries return at once with the lower index. Clients must
     * then reset to index 0 themselves.
     */
    public void restoreSnapshot(long index) {
        store.restoreTo(index);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the Consul double is closed");
        }
    }

    private static <T> T api(Supplier<T> call) {
        try {
            return call.get();
        } catch (ApiError e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Settings for {@link ConsulDouble}; every default mirrors a Consul dev agent. */
    public static final class Builder {
        private String nodeName = "node-1";
        private String nodeAddress = "127.0.0.1";
        private String datacenter = "dc1";
        private boolean autoPassNewChecks;
        private boolean syncOutputOnlyChanges;
        private boolean jitter = true;
        private Duration defaultWait = Duration.ofMinutes(5);
        private Duration maxWait = Duration.ofMinutes(10);
        private int port;
        private Set<String> aclTokens = Set.of();

        private Builder() {
        }

        /** Name of the agent's node (default {@code node-1}). */
        public Builder nodeName(String name) {
            this.nodeName = Objects.requireNonNull(name);
            return this;
        }

        /** Address of the agent's node, the fallback for services registered without one (default 127.0.0.1). */
        public Builder nodeAddress(String address) {
            this.nodeAddress = Objects.requireNonNull(address);
            return this;
        }

        public Builder datacenter(String dc) {
            this.datacenter = Objects.requireNonNull(dc);
            return this;
        }

        /**
         * New checks registered without {@code Status} start passing rather than critical: a stand-in for
         * "the HTTP check ran and succeeded", since the double never runs checks. Off by default.
         */
        public Builder autoPassNewChecks(boolean enabled) {
            this.autoPassNewChecks = enabled;
            return this;
        }

        /**
         * Output-only check changes bump the index and show in health reads immediately. Off by default,
         * mirroring the agent, which defers them up to {@code check_update_interval} (5 minutes).
         */
        public Builder syncOutputOnlyChanges(boolean enabled) {
            this.syncOutputOnlyChanges = enabled;
            return this;
        }

        /** Adds Consul's random extra of up to wait/16 to blocking waits (default on). */
        public Builder jitter(boolean enabled) {
            this.jitter = enabled;
            return this;
        }

        /** Wait applied when a blocking query sends no {@code wait} (default 5m, as Consul). */
        public Builder defaultWait(Duration wait) {
            this.defaultWait = Objects.requireNonNull(wait);
            return this;
        }

        /** Cap on requested waits (default 10m, as Consul). */
        public Builder maxWait(Duration wait) {
            this.maxWait = Objects.requireNonNull(wait);
            return this;
        }

        /** Fixed port instead of an ephemeral one. */
        public Builder port(int fixedPort) {
            this.port = fixedPort;
            return this;
        }

        /**
         * Turns on token checking: requests must carry one of these tokens ({@code X-Consul-Token},
         * {@code Authorization: Bearer} or {@code ?token=}); unknown tokens get {@code 403 ACL not found}.
         */
        public Builder aclTokens(String... tokens) {
            this.aclTokens = Set.copyOf(Arrays.asList(tokens));
            return this;
        }

        public ConsulDouble start() {
            DoubleConfig config = new DoubleConfig(nodeName, nodeAddress, datacenter, autoPassNewChecks,
                    syncOutputOnlyChanges, jitter, defaultWait, maxWait, 10, aclTokens);
            return new ConsulDouble(config, port);
        }
    }
}
