package io.canarybalancer.balancer.discovery.consul;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigInteger;

import static org.assertj.core.api.Assertions.assertThat;

class BlockingIndexTest {

    @ParameterizedTest(name = "previous {0}, returned {1} -> next {2}, reset {3}")
    @CsvSource(nullValues = "null", value = {
            "0, 7, 7, false",        // first answer
            "7, 7, 7, false",        // timeout: same index
            "7, 12, 12, false",      // a change
            "12, 5, 0, true",        // backwards: read afresh
            "12, 0, 1, false",       // zero: clamp to 1 so the next query blocks
            "12, -3, 1, false",      // nonsense: clamp
            "12, null, 1, false",    // header missing: clamp
            "0, 99999999999999999999999, 9223372036854775807, false", // beyond uint64 handling: saturate
    })
    void followsConsulsClientRules(long previous, String returned, long next, boolean reset) {
        BlockingIndex step = BlockingIndex.after(previous, returned == null ? null : new BigInteger(returned));

        assertThat(step).isEqualTo(new BlockingIndex(next, reset));
    }
}
