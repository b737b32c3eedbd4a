package io.canarybalancer.consuldouble.catalog;

import io.canarybalancer.consuldouble.state.StateStore;
import io.canarybalancer.consuldouble.state.Txn;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Nodes, service instances and checks, with Consul's per-service index bookkeeping. Not thread-safe:
 * {@link StateStore} serialises access.
 *
 * <p>Index rules mirror Consul's state store: every change to an instance or to one of its checks stamps
 * the service name's index; a node-level check change stamps every service on that node; when the last
 * instance of a name disappears its index entry is dropped and the "service extinction" index is set,
 * which is then what a read of that (now unknown) name reports.
 */
public final class Catalog implements StateStore.Table {

    public static final String SERF_HEALTH = "serfHealth";

    private record CheckKey(String node, String checkId) {
    }

    private static final Comparator<CheckKey> CHECK_ORDER =
            Comparator.comparing(CheckKey::node).thenComparing(CheckKey::checkId);

    private final Map<String, NodeEntry> nodes = new TreeMap<>();
    private final Map<String, RegisteredService> services = new TreeMap<>();
    private final Map<CheckKey, RegisteredCheck> checks = new TreeMap<>(CHECK_ORDER);
    private final Map<String, Long> serviceIndexes = new HashMap<>();
    private long extinctionIndex;

    // ---- reads -------------------------------------------------------------------------------------

    public Optional<NodeEntry> node(String name) {
        return Optional.ofNullable(nodes.get(name));
    }

    public Optional<RegisteredService> service(String id) {
        return Optional.ofNullable(services.get(id));
    }

    public List<RegisteredService> services() {
        return List.copyOf(services.values());
    }

    public List<RegisteredService> servicesOnNode(String node) {
        return services.values().stream().filter(s -> s.node().equals(node)).toList();
    }

    public Optional<RegisteredCheck> check(String node, String checkId) {
        return Optional.ofNullable(checks.get(new CheckKey(node, checkId)));
    }

    public List<RegisteredCheck> checksWithId(String checkId) {
        return checks.values().stream().filter(c -> c.checkId().equals(checkId)).toList();
    }

    public List<RegisteredCheck> checksOfService(String serviceId) {
        return checks.values().stream().filter(c -> c.serviceId().equals(serviceId)).toList();
    }

    public List<RegisteredCheck> checksOnNode(String node) {
        return checks.values().stream().filter(c -> c.node().equals(node)).toList();
    }

    /**
     * The index a health read of {@code serviceName} reports: the name's own index while instances
     * exist, otherwise the last extinction index, and never less than 1.
     */
    public long serviceIndex(String serviceName) {
        Long own = serviceIndexes.get(key(serviceName));
        if (own != null) {
            return own;
        }
        return Math.max(extinctionIndex, 1);
    }

    /** All instances of a service name (case-insensitive), with node and relevant checks, unfiltered. */
    public List<HealthEntry> health(String serviceName) {
        List<HealthEntry> entries = new ArrayList<>();
        services.values().stream()
                .filter(s -> s.name().equalsIgnoreCase(serviceName))
                .sorted(Comparator.comparing(RegisteredService::node).thenComparing(RegisteredService::id))
                .forEach(s -> {
                    List<RegisteredCheck> relevant = new ArrayList<>();
                    checksOnNode(s.node()).stream().filter(RegisteredCheck::isNodeCheck).forEach(relevant::add);
                    checksOnNode(s.node()).stream().filter(c -> c.serviceId().equals(s.id())).forEach(relevant::add);
                    entries.add(new HealthEntry(nodes.get(s.node()), s, relevant));
                });
        return entries;
    }

    // ---- writes ------------------------------------------------------------------------------------

    /** Creates the node (with a passing {@code serfHealth}) if it does not exist yet. */
    public NodeEntry ensureNode(Txn txn, String name, String address) {
        NodeEntry existing = nodes.get(name);
        if (existing != null) {
            return existing;
        }
        long index = txn.index();
        NodeEntry node = NodeEntry.create(name, address, index);
        nodes.put(name, node);
        checks.put(new CheckKey(name, SERF_HEALTH), new RegisteredCheck(name, SERF_HEALTH, "Serf Health Status",
                CheckStatus.PASSING, "", "Agent alive and reachable", "Agent alive and reachable", "", "", "",
                "", "", "", "", "", "", "", index, index));
        return node;
    }

    /** Adds or replaces an instance; always stamps its name's index (re-registration wakes watchers). */
    public void putService(Txn txn, RegisteredService service) {
        long index = txn.index();
        RegisteredService previous = services.get(service.id());
        long createIndex = previous == null ? index : previous.createIndex();
        services.put(service.id(), service.withIndexes(createIndex, index));
        serviceIndexes.put(key(service.name()), index);
        if (previous != null && !previous.name().equalsIgnoreCase(service.name())) {
            touchNameAfterRemoval(previous.name(), index);
        }
        if (previous != null && !previous.name().equals(service.name())) {
            for (RegisteredCheck check : checksOfService(service.id())) {
                checks.put(keyOf(check), check.withServiceName(service.name()));
            }
        }
    }

    /** Adds or replaces a check, keeping its create index, and stamps the owner's index. */
    public void putCheck(Txn txn, RegisteredCheck check) {
        long index = txn.index();
        RegisteredCheck previous = checks.get(keyOf(check));
        long createIndex = previous == null ? index : previous.createIndex();
        checks.put(keyOf(check), check.withIndexes(createIndex, index));
        touchOwner(check, index);
    }

    /** Removes an instance and all of its checks. */
    public boolean removeService(Txn txn, String serviceId) {
        RegisteredService removed = services.remove(serviceId);
        if (removed == null) {
            return false;
        }
        long index = txn.index();
        checks.values().removeIf(c -> c.serviceId().equals(serviceId) && c.node().equals(removed.node()));
        touchNameAfterRemoval(removed.name(), index);
        return true;
    }

    public boolean removeCheck(Txn txn, String node, String checkId) {
        RegisteredCheck removed = checks.remove(new CheckKey(node, checkId));
        if (removed == null) {
            return false;
        }
        touchOwner(removed, txn.index());
        return true;
    }

    /**
     * Applies a check result. A status change (or, when {@code syncOutput}, an output change) is written
     * to the catalog with a new index; an output-only change otherwise stays agent-local, because the
     * real agent defers syncing those for {@code check_update_interval}.
     *
     * @return true when the change became visible in health reads
     */
    public boolean updateCheckState(Txn txn, String node, String checkId, String status, String output, boolean syncOutput) {
        CheckKey key = new CheckKey(node, checkId);
        RegisteredCheck current = checks.get(key);
        if (current == null) {
            throw new IllegalStateException("no check " + checkId + " on node " + node);
        }
        boolean statusChanged = !current.status().equals(status);
        boolean outputChanged = !current.output().equals(output);
        if (!statusChanged && !outputChanged) {
            return false;
        }
        if (statusChanged || syncOutput) {
            long index = txn.index();
            checks.put(key, current.withState(status, output, output, index));
            touchOwner(current, index);
            return true;
        }
        checks.put(key, current.withState(status, output, current.syncedOutput(), current.modifyIndex()));
        return false;
    }

    @Override
    public void clampIndexes(long max) {
        nodes.replaceAll((k, n) -> n.withIndexes(Math.min(n.createIndex(), max), Math.min(n.modifyIndex(), max)));
        services.replaceAll((k, s) -> s.withIndexes(Math.min(s.createIndex(), max), Math.min(s.modifyIndex(), max)));
        checks.replaceAll((k, c) -> c.withIndexes(Math.min(c.createIndex(), max), Math.min(c.modifyIndex(), max)));
        serviceIndexes.replaceAll((k, v) -> Math.min(v, max));
        extinctionIndex = Math.min(extinctionIndex, max);
    }

    // ---- index bookkeeping -------------------------------------------------------------------------

    private void touchOwner(RegisteredCheck check, long index) {
        if (check.isNodeCheck()) {
            for (RegisteredService s : servicesOnNode(check.node())) {
                serviceIndexes.put(key(s.name()), index);
            }
        } else {
            RegisteredService owner = services.get(check.serviceId());
            if (owner != null) {
                serviceIndexes.put(key(owner.name()), index);
            }
        }
    }

    private void touchNameAfterRemoval(String name, long index) {
        boolean stillExists = services.values().stream().anyMatch(s -> s.name().equalsIgnoreCase(name));
        if (stillExists) {
            serviceIndexes.put(key(name), index);
        } else {
            serviceIndexes.remove(key(name));
            extinctionIndex = index;
        }
    }

    private static CheckKey keyOf(RegisteredCheck check) {
        return new CheckKey(check.node(), check.checkId());
    }

    private static String key(String serviceName) {
        return serviceName.toLowerCase(Locale.ROOT);
    }
}
