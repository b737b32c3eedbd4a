package io.canarybalancer.message.delivery;

import java.time.Duration;

/**
 * Wakes idle workers when this replica accepts a message, so delivery starts at once instead of at the
 * next poll. Messages accepted by other replicas are found by polling.
 */
final class Doorbell {

    private boolean rung;

    synchronized void ring() {
        rung = true;
        notifyAll();
    }

    /** Waits until the bell rings or {@code timeout} passes. */
    synchronized void await(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!rung) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        rung = false;
    }
}
