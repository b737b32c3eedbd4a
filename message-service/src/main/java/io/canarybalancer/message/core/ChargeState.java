package io.canarybalancer.message.core;

/** Where a message's credit stands, as far as the message service knows. */
public enum ChargeState {
    /** Not charged (yet, or ever). */
    NONE,
    /** The credit service charged it. */
    CHARGED,
    /** It ended {@link MessageStatus#ERROR} after a charge may have happened: the refund is owed. */
    REFUND_PENDING,
    /** Refunded. */
    REFUNDED
}
