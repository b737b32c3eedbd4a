package io.canarybalancer.message.delivery;

import io.canarybalancer.message.db.MessageDao;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;

/**
 * Settles what stopped workers left behind; every replica runs it, and every step is a conditional update
 * or an idempotent call, so running it everywhere at once is harmless.
 * <ul>
 *   <li>a claim older than the claim timeout that never reached the provider goes back to the queue;</li>
 *   <li>one that was being sent ends {@code TIMEOUT} (it may have been delivered, so it is never resent);</li>
 *   <li>refunds still owed (the credit service was down when they were due) are asked for again.</li>
 * </ul>
 */
public final class Housekeeper implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(Housekeeper.class);
    private static final int REFUNDS_PER_ROUND = 100;

    private final MessageDao messages;
    private final Delivery delivery;
    private final Clock clock;
    private final Duration claimTimeout;
    private final Duration refundGrace;

    /**
     * @param claimTimeout how long a claim may last before its worker counts as gone
     * @param refundGrace  how old an owed refund must be before this retries it (the worker asks first)
     */
    public Housekeeper(MessageDao messages, Delivery delivery, Clock clock, Duration claimTimeout, Duration refundGrace) {
        this.messages = messages;
        this.delivery = delivery;
        this.clock = clock;
        this.claimTimeout = claimTimeout;
        this.refundGrace = refundGrace;
    }

    @Override
    public void run() {
        try {
            long now = clock.millis();
            long cutoff = now - claimTimeout.toMillis();
            int requeued = messages.requeueStaleClaims(cutoff, now);
            int timedOut = messages.timeOutStaleSends(cutoff, now);
            if (requeued > 0 || timedOut > 0) {
                LOG.warn("reclaimed {} messages from stopped workers and ended {} unconfirmed sends as TIMEOUT",
                        requeued, timedOut);
            }
            for (String messageId : messages.refundsOwed(now - refundGrace.toMillis(), REFUNDS_PER_ROUND)) {
                delivery.settleRefund(messageId);
            }
        } catch (RuntimeException e) {
            // A scheduled task that throws is never run again: log, and try next round.
            LOG.warn("housekeeping failed: {}", e.toString());
        }
    }
}
