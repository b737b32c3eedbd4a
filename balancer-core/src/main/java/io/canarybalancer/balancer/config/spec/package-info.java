/**
 * Routes as configured, before discovery fills in their replicas: the route, its two pools and its
 * canary analysis. The one model that the YAML file and the Java API both produce, read by discovery,
 * rollout, analysis and admin.
 *
 * <p>Internal: not part of the public API (that is {@code io.canarybalancer.api}), and free to change in
 * any release.
 */
package io.canarybalancer.balancer.config.spec;
