package io.canarybalancer.credit.core;

/**
 * What a top-up did.
 *
 * @param applied whether the amount was added; false when the balance would pass {@link CreditRules#MAX_BALANCE}
 * @param balance the balance once the request was done
 */
public record TopUpResult(boolean applied, long balance) {
}
