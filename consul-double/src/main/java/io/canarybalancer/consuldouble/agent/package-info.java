/**
 * The agent's behaviour shared by the HTTP API and the double's Java hooks ({@code LocalAgent}: validation
 * with Consul's messages, default check IDs, maintenance, TTL expiry), the parser of registration bodies,
 * and the double's settings ({@code DoubleConfig}). Internal.
 */
package io.canarybalancer.consuldouble.agent;
