package io.canarybalancer.message.delivery;

import io.canarybalancer.message.core.ChargeState;
import io.canarybalancer.message.core.Claim;
import io.canarybalancer.message.core.MessageStatus;
import io.canarybalancer.message.db.MessageDao;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;

/**
 * Delivers one claimed message: charge, then send, then settle.
 * <ol>
 *   <li>Charge one credit through the credit service (idempotent by message id, so a retried or reclaimed
 *       message is never charged twice). No credit: {@code ERROR} with the reason, nothing sent. Credit
 *       service unavailable: back to the queue with a growing delay; after the last attempt, {@code ERROR}
 *       and a refund in case a lost answer hid a charge.</li>
 *   <li>Commit {@code SENDING} before calling the provider: a message that reached this point is never
 *       sent again, whatever happens to this replica.</li>
 *   <li>Provider accepted: {@code OK}. Provider refused or unreachable: {@code ERROR} and refunded. No
 *       answer in time: {@code TIMEOUT}, and the charge stands (it may have been delivered: the TIMEOUT
 *       policy in the module README).</li>
 * </ol>
 * Every write names the claim's token, so a worker whose claim was taken over changes nothing.
 */
public final class Delivery {

    private static final Logger LOG = LoggerFactory.getLogger(Delivery.class);
    private static final Duration MAX_RETRY_DELAY = Duration.ofMinutes(1);

    private final MessageDao messages;
    private final CreditClient credit;
    private final ProviderClient provider;
    private final Clock clock;
    private final int maxAttempts;
    private final Duration retryDelay;

    /**
     * @param maxAttempts how many claims a message gets while the credit service is unavailable
     * @param retryDelay  the delay before the second attempt; it doubles after each failed one
     */
    public Delivery(MessageDao messages, CreditClient credit, ProviderClient provider, Clock clock,
                    int maxAttempts, Duration retryDelay) {
        this.messages = messages;
        this.credit = credit;
        this.provider = provider;
        this.clock = clock;
        this.maxAttempts = maxAttempts;
        this.retryDelay = retryDelay;
    }

    /** Takes a claimed message as far as it can go now. */
    public void deliver(Claim claim) {
        if (!charge(claim)) {
            return;
        }
        if (messages.startSending(claim.messageId(), claim.token(), clock.millis()) == 0) {
            LOG.info("message {} was reclaimed before it was sent; leaving it to its new worker", claim.messageId());
            return;
        }
        ProviderClient.SendAnswer answer = provider.send(claim);
        switch (answer.kind()) {
            case DELIVERED -> finish(claim, MessageStatus.SENDING, MessageStatus.OK, null, ChargeState.CHARGED);
            case UNCONFIRMED -> finish(claim, MessageStatus.SENDING, MessageStatus.TIMEOUT, answer.detail(),
                    ChargeState.CHARGED);
            case REJECTED -> {
                if (finish(claim, MessageStatus.SENDING, MessageStatus.ERROR, answer.detail(), ChargeState.REFUND_PENDING)) {
                    settleRefund(claim.messageId());
                }
            }
        }
    }

    /**
     * Asks the credit service to give an owed refund back, and records the answer; an unavailable credit
     * service leaves the refund owed for the housekeeper to try again.
     */
    public void settleRefund(String messageId) {
        CreditClient.RefundAnswer answer = credit.refund(messageId);
        switch (answer.kind()) {
            case REFUNDED -> messages.settleRefund(messageId, ChargeState.REFUNDED, clock.millis());
            case NOTHING_CHARGED -> messages.settleRefund(messageId, ChargeState.NONE, clock.millis());
            case UNAVAILABLE -> LOG.debug("refund of {} still owed: {}", messageId, answer.detail());
        }
    }

    /** @return whether the message is charged and still ours to send */
    private boolean charge(Claim claim) {
        CreditClient.ChargeAnswer answer = credit.charge(claim.messageId());
        switch (answer.kind()) {
            case CHARGED -> {
                if (messages.markCharged(claim.messageId(), claim.token(), clock.millis()) == 0) {
                    LOG.info("message {} was reclaimed while being charged; leaving it to its new worker",
                            claim.messageId());
                    return false;
                }
                return true;
            }
            case NO_CREDIT -> {
                // The credit service's own words ("insufficient credit: the balance is 0, ...") when it gave any.
                String reason = answer.detail() == null || answer.detail().isBlank() ? "insufficient credit" : answer.detail();
                finish(claim, MessageStatus.CLAIMED, MessageStatus.ERROR, reason, ChargeState.NONE);
                return false;
            }
            case CANCELLED -> {
                // A refund of this message reached the credit service first (asked for by a worker that
                // gave up on it): nothing was taken and nothing will be, so it ends ERROR, uncharged, unsent.
                finish(claim, MessageStatus.CLAIMED, MessageStatus.ERROR, answer.detail(), ChargeState.NONE);
                return false;
            }
            default -> {
                if (claim.attempts() >= maxAttempts) {
                    // A charge whose answer was lost may have happened: owe a refund, which settles as
                    // "nothing charged" if it didn't.
                    if (finish(claim, MessageStatus.CLAIMED, MessageStatus.ERROR, "credit service unavailable after "
                            + claim.attempts() + " attempts: " + answer.detail(), ChargeState.REFUND_PENDING)) {
                        settleRefund(claim.messageId());
                    }
                } else {
                    long now = clock.millis();
                    messages.requeue(claim.messageId(), claim.token(), "credit service unavailable: " + answer.detail(),
                            now + delayAfter(claim.attempts()).toMillis(), now);
                }
                return false;
            }
        }
    }

    private boolean finish(Claim claim, MessageStatus from, MessageStatus to, String reason, ChargeState chargeState) {
        boolean finished = messages.finish(claim.messageId(), claim.token(), from, to, truncate(reason), chargeState,
                clock.millis()) == 1;
        if (!finished) {
            LOG.warn("message {} was reclaimed before it could be marked {}", claim.messageId(), to);
        }
        return finished;
    }

    private Duration delayAfter(int attempts) {
        Duration delay = retryDelay.multipliedBy(1L << Math.min(attempts - 1, 20));
        return delay.compareTo(MAX_RETRY_DELAY) > 0 ? MAX_RETRY_DELAY : delay;
    }

    private static String truncate(String reason) {
        return reason == null || reason.length() <= 500 ? reason : reason.substring(0, 497) + "...";
    }
}
