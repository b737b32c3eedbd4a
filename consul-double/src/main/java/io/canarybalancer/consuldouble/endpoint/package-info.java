/**
 * What each URL does: the {@code Router} (paths, methods, 405s, ACL tokens), one class per API area
 * ({@code HealthEndpoint}, {@code KvEndpoint}, {@code AgentEndpoint}, {@code StatusEndpoint}), the query
 * options every blocking read shares, and Consul's JSON shapes ({@code JsonRenderer}). Internal.
 */
package io.canarybalancer.consuldouble.endpoint;
