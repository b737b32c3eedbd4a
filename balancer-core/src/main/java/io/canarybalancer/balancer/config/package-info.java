/**
 * The whole configuration of a balancer: {@link io.canarybalancer.balancer.config.BalancerConfig},
 * and {@link io.canarybalancer.balancer.config.ConfigLoader}, which reads it from a YAML file and names
 * file, field and reason for every problem. It builds the settings of every part, so it sits above them:
 * the parts read their routes from {@link io.canarybalancer.balancer.config.spec} and YAML through
 * {@link io.canarybalancer.balancer.config.yaml}, never from this package.
 *
 * <p>Internal: not part of the public API (that is {@code io.canarybalancer.api}), and free to change in
 * any release.
 */
package io.canarybalancer.balancer.config;
