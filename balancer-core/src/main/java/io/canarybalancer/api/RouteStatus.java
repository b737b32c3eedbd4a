package io.canarybalancer.api;

/**
 * One route as it stands: its rollout, its replicas and the requests it served.
 *
 * @param name           the route's name
 * @param pathPrefix     the prefix of the paths it takes
 * @param strategy       how un-flagged requests are split now (with the canary's weight)
 * @param paused         the canary takes no un-flagged request until resumed
 * @param stableReplicas the stable pool's replicas now
 * @param canaryReplicas the canary pool's replicas now
 * @param stableRequests requests stable answered so far
 * @param canaryRequests requests the canary answered so far
 * @param autoRollback   why canary analysis rolled the canary back, or {@code null}
 */
public record RouteStatus(String name, String pathPrefix, Strategy strategy, boolean paused, int stableReplicas,
                          int canaryReplicas, long stableRequests, long canaryRequests, String autoRollback) {
}
