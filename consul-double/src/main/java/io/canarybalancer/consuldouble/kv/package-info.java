/**
 * The KV table ({@code KvStore}, {@code KvEntry}) with Consul's index rules and delete tombstones. Internal:
 * tests use the double's {@code putKv}/{@code kvValue} methods or the HTTP API.
 */
package io.canarybalancer.consuldouble.kv;
