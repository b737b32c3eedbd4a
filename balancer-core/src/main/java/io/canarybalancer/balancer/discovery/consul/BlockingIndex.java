package io.canarybalancer.balancer.discovery.consul;

import java.math.BigInteger;

/**
 * Consul's rules for the {@code index} of the next blocking query, given the one just returned
 * (from Consul's blocking-query documentation):
 * <ul>
 *   <li>an index that went backwards (snapshot restore, agent restart) resets to 0, so the next
 *       query reads afresh without blocking;</li>
 *   <li>a missing, zero or unusable index becomes 1, because {@code index=0} never blocks and would
 *       turn the watch into a busy loop.</li>
 * </ul>
 *
 * @param next  the index to send with the next query
 * @param reset whether the index went backwards
 */
public record BlockingIndex(long next, boolean reset) {
    private static final BigInteger MAX = BigInteger.valueOf(Long.MAX_VALUE);

    static BlockingIndex after(long previous, BigInteger returned) {
        if (returned == null || returned.signum() <= 0) {
            return new BlockingIndex(1, false);
        }
        long index = returned.compareTo(MAX) > 0 ? Long.MAX_VALUE : returned.longValue();
        if (index < previous) {
            return new BlockingIndex(0, true);
        }
        return new BlockingIndex(index, false);
    }
}
