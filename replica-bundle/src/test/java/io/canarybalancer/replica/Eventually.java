package io.canarybalancer.replica;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls observable state until it holds or a deadline passes: tests wait for facts, not for time. */
public final class Eventually {

    private Eventually() {
    }

    /** @return whether {@code condition} held before {@code timeout} */
    public static boolean holds(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }
}
