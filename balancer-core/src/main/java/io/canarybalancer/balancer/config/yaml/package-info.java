/**
 * Reading YAML for people: {@link io.canarybalancer.balancer.config.yaml.ConfigNode} knows where
 * each value came from, so a bad value fails with a
 * {@link io.canarybalancer.balancer.config.yaml.ConfigException} naming file, line, field and reason.
 * Used by the configuration file and the replica file alike.
 *
 * <p>Internal: not part of the public API (that is {@code io.canarybalancer.api}), and free to change in
 * any release.
 */
package io.canarybalancer.balancer.config.yaml;
