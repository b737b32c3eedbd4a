package io.canarybalancer.credit.core;

import java.util.Optional;

/**
 * What a refund request did.
 *
 * @param outcome what happened
 * @param charge  the message's charge, empty when there is none
 * @param balance the balance once the request was done
 */
public record RefundResult(Outcome outcome, Optional<Charge> charge, long balance) {

    /** The three ways a refund request ends; only {@link #REFUNDED} changes the balance. */
    public enum Outcome {
        /** The charge's credit was given back now. */
        REFUNDED,
        /** An earlier request gave it back: nothing changed now. */
        ALREADY_REFUNDED,
        /**
         * The message was never charged: the balance did not change, and the message id can never be
         * charged from now on (the charge this refund cancels may still be on its way).
         */
        NO_CHARGE
    }
}
