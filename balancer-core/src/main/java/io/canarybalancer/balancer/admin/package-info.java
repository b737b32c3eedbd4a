/**
 * The admin listener: {@code /status}, {@code /metrics}, the dashboard and the rollout
 * endpoints, with the guards that keep browsers and other hosts out of it.
 *
 * <p>Internal: not part of the public API (that is {@code io.canarybalancer.api}), and free to change in
 * any release.
 */
package io.canarybalancer.balancer.admin;
