package io.canarybalancer.message.core;

/** Limits on what a client may send. */
public final class MessageRules {

    /** A phone number, an address or a user name fits easily. */
    public static final int DESTINATION_MAX_LENGTH = 100;

    /** Several SMS worth; the provider is not a file store. */
    public static final int BODY_MAX_LENGTH = 1000;

    /** The most messages one page of {@code GET /messages} returns. */
    public static final int PAGE_MAX = 500;

    /** The page size when none is asked for. */
    public static final int PAGE_DEFAULT = 100;

    private MessageRules() {
    }
}
