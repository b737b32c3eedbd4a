package io.canarybalancer.credit.api;

/**
 * The balance, as {@code GET /credit} and {@code POST /credit} answer it.
 *
 * @param credit credits left
 */
public record BalanceView(long credit) {
}
