package io.canarybalancer.credit.core;

/** The numbers the credit service enforces. */
public final class CreditRules {

    /** What one message costs. */
    public static final long MESSAGE_COST = 1;

    /** The largest single top-up. */
    public static final long MAX_TOP_UP = 1_000_000_000L;

    /** The largest balance: far from overflowing a 64-bit column, whatever the number of top-ups. */
    public static final long MAX_BALANCE = 1_000_000_000_000_000L;

    /** Message ids as the message service makes them (UUIDs), with room for other callers' ids. */
    public static final String MESSAGE_ID_PATTERN = "[A-Za-z0-9._:-]{1,64}";

    private CreditRules() {
    }
}
