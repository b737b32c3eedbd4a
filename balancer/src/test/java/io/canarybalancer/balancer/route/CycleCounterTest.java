package io.canarybalancer.balancer.route;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CycleCounterTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 7, 10, 64, 100, 1_000, 9_973, 10_000, 65_536, Integer.MAX_VALUE})
    void theRemainderIsExactFromZeroToTheLargestCount(int length) {
        CycleCounter counter = new CycleCounter(length);
        Random random = new Random(length);
        long[] edges = {0, 1, length - 1L, length, length + 1L, 2L * length - 1, (1L << 32) - 1, 1L << 32,
                (1L << 62) + 12_345, Long.MAX_VALUE - length, Long.MAX_VALUE - 1, Long.MAX_VALUE};
        for (long count : edges) {
            assertThat(counter.remainder(count)).as("%d mod %d", count, length).isEqualTo(Math.floorMod(count, length));
        }
        for (int i = 0; i < 100_000; i++) {
            long count = random.nextLong() >>> 1 >>> random.nextInt(63);
            long multiple = count - Math.floorMod(count, length); // the counts just below a whole cycle
            for (long near : new long[] {count, multiple, multiple - 1}) {
                if (near >= 0) {
                    assertThat(counter.remainder(near)).as("%d mod %d", near, length)
                            .isEqualTo(Math.floorMod(near, length));
                }
            }
        }
    }

    @Test
    void picksWalkTheCycleInOrderAndStartOver() {
        CycleCounter counter = new CycleCounter(3);

        int[] places = new int[7];
        for (int i = 0; i < places.length; i++) {
            places[i] = counter.next();
        }

        assertThat(places).containsExactly(0, 1, 2, 0, 1, 2, 0);
    }

    @Test
    void refusesAnEmptyCycle() {
        assertThatThrownBy(() -> new CycleCounter(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
