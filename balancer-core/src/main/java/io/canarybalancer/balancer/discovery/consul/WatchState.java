package io.canarybalancer.balancer.discovery.consul;

import io.canarybalancer.balancer.discovery.SkippedInstance;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What one Consul watch knows about its own health, for the admin API and the logs. Immutable.
 *
 * @param service             the watched service name
 * @param lastSuccess         when Consul last answered usefully, or {@code null} if never
 * @param index               the index the next blocking query will send
 * @param consecutiveFailures failed calls since the last success
 * @param lastError           the last failure's description, or {@code null}
 * @param holdingReplicas     whether a suspicious empty answer is being ignored (see {@link ConsulSettings#emptyAnswerGrace()})
 * @param replicas            healthy instances currently published
 * @param knownLeader         whether the last answer came from a cluster with a known leader
 * @param skipped             instances of the last answer that cannot be used, with the reason
 */
public record WatchState(String service, Instant lastSuccess, long index, int consecutiveFailures,
                         String lastError, boolean holdingReplicas, int replicas, boolean knownLeader,
                         List<SkippedInstance> skipped) {

    public WatchState {
        skipped = List.copyOf(skipped);
    }

    public static WatchState initial(String service) {
        return new WatchState(service, null, 0, 0, null, false, 0, true, List.of());
    }

    /** True when the published replicas may not match Consul: never answered, failing, or holding. */
    public boolean stale() {
        return lastSuccess == null || consecutiveFailures > 0 || holdingReplicas;
    }

    /** Time since the last useful answer, or {@code null} if there was none. */
    public Duration sinceLastSuccess(Instant now) {
        return lastSuccess == null ? null : Duration.between(lastSuccess, now);
    }

    public WatchState succeeded(Instant at, long nextIndex, boolean holding, int published, boolean leader,
                          List<SkippedInstance> unusable) {
        return new WatchState(service, at, nextIndex, 0, null, holding, published, leader, unusable);
    }

    /** A failed attempt, whether the call failed or processing its answer did; the rest is kept. */
    public WatchState failed(String error) {
        return new WatchState(service, lastSuccess, index, consecutiveFailures + 1, error, holdingReplicas, replicas,
                knownLeader, skipped);
    }
}
