/**
 * Catalog and health: nodes, service instances and checks with Consul's per-service index rules
 * ({@code Catalog}), the health view of an instance ({@code HealthEntry}), and the registration specs
 * tests build. Public for tests: {@link io.canarybalancer.consuldouble.catalog.ServiceSpec},
 * {@link io.canarybalancer.consuldouble.catalog.CheckSpec},
 * {@link io.canarybalancer.consuldouble.catalog.RegisteredService} and
 * {@link io.canarybalancer.consuldouble.catalog.RegisteredCheck}; the rest is internal.
 */
package io.canarybalancer.consuldouble.catalog;
