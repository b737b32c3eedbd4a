/**
 * Helpers of {@code bench/load.sh}, the end-to-end benchmark against HAProxy: the backends both
 * proxies forward to, and a holder of idle client connections for the memory measurement.
 */
package io.canarybalancer.bench.load;
