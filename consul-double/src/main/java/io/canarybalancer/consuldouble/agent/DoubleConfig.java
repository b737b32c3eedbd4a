package io.canarybalancer.consuldouble.agent;

import java.time.Duration;
import java.util.Set;

/**
 * Immutable settings of one double, assembled by {@link io.canarybalancer.consuldouble.ConsulDouble.Builder}.
 *
 * @param nodeName              the agent's own node, where HTTP registrations land
 * @param nodeAddress           that node's address
 * @param datacenter            datacenter name reported everywhere
 * @param autoPassNewChecks     new checks without an explicit Status start passing instead of critical
 * @param syncOutputOnlyChanges output-only check changes bump the index and show in health reads at once
 *                              (real agents defer them up to {@code check_update_interval})
 * @param jitter                add Consul's random extra of up to wait/16 to blocking waits
 * @param defaultWait           wait used when a blocking query sends none (Consul: 5m)
 * @param maxWait               cap on requested waits (Consul: 10m)
 * @param initialIndex          raft index before the double's own bootstrap writes
 * @param aclTokens             when non-empty, requests must carry one of these tokens (else 403)
 */
public record DoubleConfig(
        String nodeName,
        String nodeAddress,
        String datacenter,
        boolean autoPassNewChecks,
        boolean syncOutputOnlyChanges,
        boolean jitter,
        Duration defaultWait,
        Duration maxWait,
        long initialIndex,
        Set<String> aclTokens) {

    public DoubleConfig {
        aclTokens = Set.copyOf(aclTokens);
    }
}
