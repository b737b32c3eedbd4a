/**
 * Fault injection: {@link io.canarybalancer.consuldouble.fault.Fault} (what goes wrong) and the plan that
 * arms it ({@code FaultPlan}, {@code FaultScope}, {@code FaultRule}), reached through the double's
 * {@code faults()}. Public for tests.
 */
package io.canarybalancer.consuldouble.fault;
