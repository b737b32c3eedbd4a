package io.canarybalancer.credit.core;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One message's charge, as the ledger holds it: at most one per message id, ever.
 *
 * @param messageId  the message the credit paid for
 * @param amount     credits taken
 * @param chargedAt  when they were taken
 * @param refundedAt when they were given back, if they were
 */
public record Charge(String messageId, long amount, Instant chargedAt, Optional<Instant> refundedAt) {

    public Charge {
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(chargedAt, "chargedAt");
        Objects.requireNonNull(refundedAt, "refundedAt");
    }

    /** @return whether the credit was given back */
    public boolean refunded() {
        return refundedAt.isPresent();
    }
}
