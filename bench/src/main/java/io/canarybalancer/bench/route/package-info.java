/**
 * JMH benchmarks of the routing hot path: one pick per strategy, header matching, longest-prefix
 * lookup and a full table rebuild. They use only the public API of the balancer's {@code route}
 * and {@code discovery} packages, as the proxy does.
 */
package io.canarybalancer.bench.route;
