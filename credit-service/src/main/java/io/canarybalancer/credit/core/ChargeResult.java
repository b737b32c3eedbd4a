package io.canarybalancer.credit.core;

import java.util.Optional;

/**
 * What a charge request did.
 *
 * @param outcome what happened
 * @param charge  the ledger's charge for the message: the new one, or the one from the first request;
 *                empty when nothing was charged
 * @param balance the balance once the request was done
 */
public record ChargeResult(Outcome outcome, Optional<Charge> charge, long balance) {

    /** The four ways a charge request ends. */
    public enum Outcome {
        /** The credit was taken now. */
        CHARGED,
        /** An earlier request for the same message took it: nothing was taken now. */
        ALREADY_CHARGED,
        /** The balance was too low: nothing was taken and nothing recorded. */
        INSUFFICIENT_CREDIT,
        /** A refund of the message came first and found nothing to give back: it can never be charged. */
        CANCELLED
    }
}
