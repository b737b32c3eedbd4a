package io.canarybalancer.consuldouble.agent;

import io.canarybalancer.consuldouble.catalog.Catalog;
import io.canarybalancer.consuldouble.catalog.CheckSpec;
import io.canarybalancer.consuldouble.catalog.CheckStatus;
import io.canarybalancer.consuldouble.catalog.RegisteredCheck;
import io.canarybalancer.consuldouble.catalog.RegisteredService;
import io.canarybalancer.consuldouble.catalog.ServiceSpec;
import io.canarybalancer.consuldouble.http.ApiError;
import io.canarybalancer.consuldouble.http.GoDuration;
import io.canarybalancer.consuldouble.state.StateStore;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The agent-side behaviour shared by the HTTP endpoints and the test-facing Java API: validation with
 * Consul's messages, default check IDs and names, initial statuses, maintenance checks and TTL expiry.
 * HTTP callers only reach the agent's own node ({@code localOnly}); tests may touch any node.
 */
public final class LocalAgent {

    static final String SERVICE_MAINTENANCE_PREFIX = "_service_maintenance:";
    static final String NODE_MAINTENANCE = "_node_maintenance";
    static final String DEFAULT_SERVICE_MAINTENANCE_REASON =
            "Maintenance mode is enabled for this service, but no reason was provided. This is a default message.";
    static final String DEFAULT_NODE_MAINTENANCE_REASON =
            "Maintenance mode is enabled for this node, but no reason was provided. This is a default message.";

    private static final Pattern META_KEY = Pattern.compile("^[a-zA-Z0-9_-]+$");
    private static final Set<String> UNSPECIFIED_ADDRESSES = Set.of("0.0.0.0", "::", "[::]");

    private final StateStore store;
    private final Catalog catalog;
    private final DoubleConfig config;
    private final ScheduledExecutorService scheduler;
    private final Map<String, ScheduledFuture<?>> ttlTimers = new ConcurrentHashMap<>();

    public LocalAgent(StateStore store, Catalog catalog, DoubleConfig config, ScheduledExecutorService scheduler) {
        this.store = store;
        this.catalog = catalog;
        this.config = config;
        this.scheduler = scheduler;
        store.write(txn -> catalog.ensureNode(txn, config.nodeName(), config.nodeAddress()));
    }

    public String nodeName() {
        return config.nodeName();
    }

    // ---- services ----------------------------------------------------------------------------------

    public RegisteredService register(ServiceSpec spec, boolean replaceExistingChecks) {
        validateService(spec);
        String node = spec.nodeName() != null ? spec.nodeName() : config.nodeName();
        String nodeAddress = spec.nodeName() != null ? spec.nodeAddress() : config.nodeAddress();
        List<CheckSpec> checkSpecs = spec.checks();
        checkSpecs.forEach(LocalAgent::validateCheck);

        List<RegisteredCheck> written = store.write(txn -> {
            catalog.service(spec.id()).filter(s -> !s.node().equals(node)).ifPresent(s -> {
                throw ApiError.badRequest("Service ID \"" + s.id() + "\" is already registered on node " + s.node());
            });
            catalog.ensureNode(txn, node, nodeAddress);
            int passing = spec.weightsPassing() == null ? 1 : spec.weightsPassing();
            int warning = spec.weightsWarning() == null ? 1 : spec.weightsWarning();
            catalog.putService(txn, new RegisteredService(spec.id(), spec.name(), spec.tags(), spec.address(),
                    spec.port(), spec.meta(), passing, warning, spec.enableTagOverrideValue(), node, 0, 0));
            Set<String> definedIds = new HashSet<>();
            List<RegisteredCheck> checks = new ArrayList<>();
            for (int i = 0; i < checkSpecs.size(); i++) {
                CheckSpec cs = checkSpecs.get(i);
                String checkId = cs.id() != null ? cs.id()
                        : "service:" + spec.id() + (checkSpecs.size() > 1 ? ":" + (i + 1) : "");
                String checkName = cs.name() != null ? cs.name() : "Service '" + spec.name() + "' check";
                Optional<RegisteredCheck> existing = catalog.check(node, checkId);
                RegisteredCheck check = newCheck(node, checkId, checkName, cs, spec.id(), spec.name(), existing);
                catalog.putCheck(txn, check);
                definedIds.add(checkId);
                checks.add(check);
            }
            if (replaceExistingChecks) {
                for (RegisteredCheck old : catalog.checksOfService(spec.id())) {
                    if (!definedIds.contains(old.checkId()) && !old.type().equals("maintenance")) {
                        catalog.removeCheck(txn, node, old.checkId());
                        cancelTtl(node, old.checkId());
                    }
                }
            }
            return checks;
        });
        written.forEach(this::armTtl);
        return store.read(() -> catalog.service(spec.id()).orElseThrow());
    }

    public void deregister(String serviceId, boolean localOnly) {
        List<RegisteredCheck> removedChecks = store.write(txn -> {
            RegisteredService service = catalog.service(serviceId)
                    .filter(s -> !localOnly || s.node().equals(config.nodeName()))
                    .orElseThrow(() -> ApiError.notFound("Unknown service ID \"" + serviceId
                            + "\". Ensure that the service ID is passed, not the service name."));
            List<RegisteredCheck> checks = catalog.checksOfService(service.id());
            catalog.removeService(txn, service.id());
            return checks;
        });
        removedChecks.forEach(c -> cancelTtl(c.node(), c.checkId()));
    }

    public void serviceMaintenance(String serviceId, boolean enable, String reason, boolean localOnly) {
        store.write(txn -> {
            RegisteredService service = catalog.service(serviceId)
                    .filter(s -> !localOnly || s.node().equals(config.nodeName()))
                    .orElseThrow(() -> ApiError.notFound("No service registered with ID \"" + serviceId + "\""));
            String checkId = SERVICE_MAINTENANCE_PREFIX + service.id();
            boolean present = catalog.check(service.node(), checkId).isPresent();
            if (enable && !present) {
                String notes = reason == null || reason.isEmpty() ? DEFAULT_SERVICE_MAINTENANCE_REASON : reason;
                catalog.putCheck(txn, new RegisteredCheck(service.node(), checkId, "Service Maintenance Mode",
                        CheckStatus.CRITICAL, notes, "", "", service.id(), service.name(), "maintenance",
                        "", "", "", "", "", "", "", 0, 0));
            } else if (!enable && present) {
                catalog.removeCheck(txn, service.node(), checkId);
            }
            return null;
        });
    }

    public void nodeMaintenance(boolean enable, String reason) {
        store.write(txn -> {
            boolean present = catalog.check(config.nodeName(), NODE_MAINTENANCE).isPresent();
            if (enable && !present) {
                String notes = reason == null || reason.isEmpty() ? DEFAULT_NODE_MAINTENANCE_REASON : reason;
                catalog.putCheck(txn, new RegisteredCheck(config.nodeName(), NODE_MAINTENANCE, "Node Maintenance Mode",
                        CheckStatus.CRITICAL, notes, "", "", "", "", "maintenance", "", "", "", "", "", "", "", 0, 0));
            } else if (!enable && present) {
                catalog.removeCheck(txn, config.nodeName(), NODE_MAINTENANCE);
            }
            return null;
        });
    }

    // ---- checks ------------------------------------------------------------------------------------

    /** {@code PUT /v1/agent/check/register}: a check on its own, optionally attached to a local service. */
    public void registerCheck(CheckSpec spec) {
        if (spec.name() == null || spec.name().isEmpty()) {
            throw ApiError.badRequest("Missing check name");
        }
        validateCheck(spec);
        String checkId = spec.id() != null ? spec.id() : spec.name();
        RegisteredCheck written = store.write(txn -> {
            String serviceId = spec.serviceId() == null ? "" : spec.serviceId();
            String serviceName = "";
            if (!serviceId.isEmpty()) {
                RegisteredService owner = catalog.service(serviceId)
                        .filter(s -> s.node().equals(config.nodeName()))
                        .orElseThrow(() -> ApiError.notFound("ServiceID \"" + serviceId + "\" does not exist"));
                serviceName = owner.name();
            }
            RegisteredCheck check = newCheck(config.nodeName(), checkId, spec.name(), spec, serviceId, serviceName,
                    catalog.check(config.nodeName(), checkId));
            catalog.putCheck(txn, check);
            return check;
        });
        armTtl(written);
    }

    public void deregisterCheck(String checkId) {
        store.write(txn -> {
            if (!catalog.removeCheck(txn, config.nodeName(), checkId)) {
                throw unknownCheck(checkId);
            }
            return null;
        });
        cancelTtl(config.nodeName(), checkId);
    }

    /** TTL pass/warn/fail/update from HTTP: local TTL checks only, {@code output} replaces the output. */
    public void ttlUpdate(String checkId, String status, String output) {
        RegisteredCheck check = store.read(() -> catalog.check(config.nodeName(), checkId))
                .orElseThrow(() -> unknownCheck(checkId));
        if (!check.type().equals("ttl")) {
            throw new ApiError(500, "CheckID \"" + checkId + "\" does not have associated TTL");
        }
        applyCheckState(check, status, output);
    }

    /** Test hook: sets any check's status, whatever its type; {@code output == null} keeps the output. */
    public void setCheckStatus(String node, String checkId, String status, String output) {
        CheckStatus.requireValid(status);
        RegisteredCheck check = store.read(() -> {
            List<RegisteredCheck> matches = node != null
                    ? catalog.check(node, checkId).stream().toList()
                    : catalog.checksWithId(checkId);
            if (matches.isEmpty()) {
                throw new IllegalArgumentException("no check with ID " + checkId + (node == null ? "" : " on node " + node));
            }
            if (matches.size() > 1) {
                throw new IllegalArgumentException("check ID " + checkId + " exists on several nodes; name the node");
            }
            return matches.get(0);
        });
        applyCheckState(check, status, output == null ? check.output() : output);
    }

    /** Test hook: flips a node's {@code serfHealth}, which knocks out (or restores) every instance on it. */
    public void setNodeAlive(String node, boolean alive) {
        store.write(txn -> {
            if (catalog.node(node).isEmpty()) {
                throw new IllegalArgumentException("unknown node " + node);
            }
            catalog.updateCheckState(txn, node, Catalog.SERF_HEALTH,
                    alive ? CheckStatus.PASSING : CheckStatus.CRITICAL,
                    alive ? "Agent alive and reachable" : "Agent not live or unreachable", true);
            return null;
        });
    }

    public void cancelAllTimers() {
        ttlTimers.values().forEach(f -> f.cancel(false));
        ttlTimers.clear();
    }

    private void applyCheckState(RegisteredCheck check, String status, String output) {
        store.write(txn -> catalog.updateCheckState(txn, check.node(), check.checkId(), status, output,
                config.syncOutputOnlyChanges()));
        armTtl(check);
    }

    private RegisteredCheck newCheck(String node, String checkId, String name, CheckSpec cs, String serviceId,
                                     String serviceName, Optional<RegisteredCheck> existing) {
        String status;
        String output;
        String synced;
        if (cs.status() != null) {
            status = cs.status();
            output = "";
            synced = "";
        } else if (existing.isPresent()) {
            // Re-registration keeps the check's last known result, as the agent does.
            status = existing.get().status();
            output = existing.get().output();
            synced = existing.get().syncedOutput();
        } else {
            status = config.autoPassNewChecks() ? CheckStatus.PASSING : CheckStatus.CRITICAL;
            output = "";
            synced = "";
        }
        return new RegisteredCheck(node, checkId, name, status, cs.notes(), output, synced, serviceId, serviceName,
                cs.type(), cs.ttl(), cs.http(), cs.tcp(), cs.grpc(), cs.interval(), cs.timeout(),
                cs.deregisterCriticalServiceAfter(), 0, 0);
    }

    // ---- TTL expiry --------------------------------------------------------------------------------

    private void armTtl(RegisteredCheck check) {
        if (!check.type().equals("ttl") || check.ttl().isEmpty()) {
            return;
        }
        Duration ttl = GoDuration.parse(check.ttl());
        String key = timerKey(check.node(), check.checkId());
        ScheduledFuture<?> timer;
        try {
            timer = scheduler.schedule(() -> expire(check.node(), check.checkId()), ttl.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closed) {
            return; // the double is closed; state may still be seeded and read, nothing expires any more
        }
        ScheduledFuture<?> previous = ttlTimers.put(key, timer);
        if (previous != null) {
            previous.cancel(false);
        }
    }

    private void expire(String node, String checkId) {
        ttlTimers.remove(timerKey(node, checkId));
        store.write(txn -> {
            Optional<RegisteredCheck> current = catalog.check(node, checkId);
            current.ifPresent(c -> {
                String output = "TTL expired"
                        + (c.output().isEmpty() ? "" : " (last output before timeout follows): " + c.output());
                catalog.updateCheckState(txn, node, checkId, CheckStatus.CRITICAL, output, true);
            });
            return null;
        });
    }

    private void cancelTtl(String node, String checkId) {
        ScheduledFuture<?> timer = ttlTimers.remove(timerKey(node, checkId));
        if (timer != null) {
            timer.cancel(false);
        }
    }

    private static String timerKey(String node, String checkId) {
        return node + "\u0000" + checkId;
    }

    // ---- validation --------------------------------------------------------------------------------

    private static void validateService(ServiceSpec spec) {
        if (spec.name() == null || spec.name().isEmpty()) {
            throw ApiError.badRequest("Missing service name");
        }
        if (UNSPECIFIED_ADDRESSES.contains(spec.address())) {
            throw ApiError.badRequest("Invalid service address");
        }
        validateMeta(spec.meta());
        if (spec.weightsPassing() != null) {
            int passing = spec.weightsPassing();
            int warning = spec.weightsWarning();
            String problem = passing < 1 ? "Passing must be greater than 0"
                    : warning < 0 ? "Warning must be greater or equal than 0"
                    : passing > 65535 || warning > 65535 ? "DNS Weight must be between 0 and 65535" : null;
            if (problem != null) {
                throw ApiError.badRequest("Invalid Weights: " + problem);
            }
        }
    }

    private static void validateMeta(Map<String, String> meta) {
        if (meta == null) {
            return;
        }
        String problem = null;
        if (meta.size() > 64) {
            problem = "Node metadata cannot contain more than 64 key/value pairs";
        }
        for (Map.Entry<String, String> e : meta.entrySet()) {
            if (problem != null) {
                break;
            }
            String key = e.getKey();
            if (key.isEmpty()) {
                problem = "Key cannot be blank";
            } else if (!META_KEY.matcher(key).matches()) {
                problem = "Key contains invalid characters";
            } else if (key.length() > 128) {
                problem = "Key is too long (limit: 128 characters)";
            } else if (key.startsWith("consul-")) {
                problem = "Key prefix 'consul-' is reserved for internal use";
            } else if (e.getValue() != null && e.getValue().length() > 512) {
                problem = "Value is too long (limit: 512 characters)";
            }
        }
        if (problem != null) {
            throw ApiError.badRequest("Invalid Service Meta: " + problem);
        }
    }

    private static void validateCheck(CheckSpec cs) {
        if (cs.status() != null && !CheckStatus.isValid(cs.status())) {
            throw ApiError.badRequest("Status for checks must 'passing', 'warning', 'critical'");
        }
        requireDuration(cs.interval());
        requireDuration(cs.timeout());
        requireDuration(cs.deregisterCriticalServiceAfter());
        switch (cs.type()) {
            case "ttl" -> {
                if (!cs.ttl().isEmpty() && requireDuration(cs.ttl()).compareTo(Duration.ZERO) <= 0) {
                    throw ApiError.badRequest("Invalid check: TTL must be > 0 for TTL checks");
                }
            }
            case "http", "tcp", "grpc", "script" -> {
                if (cs.interval().isEmpty() || requireDuration(cs.interval()).compareTo(Duration.ZERO) <= 0) {
                    throw ApiError.badRequest(
                            "Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP or UDP checks");
                }
            }
            case "alias" -> {
                // Aliases need no interval; the double never evaluates them.
            }
            default -> throw ApiError.badRequest(
                    "Invalid check: must be one of script, HTTP, TCP, UDP, gRPC, or TTL");
        }
    }

    private static Duration requireDuration(String text) {
        if (text.isEmpty()) {
            return Duration.ZERO;
        }
        try {
            return GoDuration.parse(text);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest("Request decode failed: time: " + e.getMessage());
        }
    }

    private static ApiError unknownCheck(String checkId) {
        return ApiError.notFound("Unknown check ID \"" + checkId + "\". Ensure that the check ID is passed, not the check name.");
    }
}
