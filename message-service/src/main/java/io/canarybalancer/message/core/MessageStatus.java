package io.canarybalancer.message.core;

/**
 * Where a message is in its delivery. {@code QUEUED → CLAIMED → SENDING → OK | ERROR | TIMEOUT}; a claim
 * that fails before sending goes back to {@code QUEUED}.
 */
public enum MessageStatus {
    /** Stored, waiting for a worker of any replica. */
    QUEUED,
    /** A worker owns it and is charging the credit; nothing has been sent. Clients see {@code QUEUED}. */
    CLAIMED,
    /** Handed to the provider; the answer is not in yet. From here on it is never sent again. */
    SENDING,
    /** The provider accepted it. */
    OK,
    /** It was not delivered (the provider refused it, was unreachable, or there was no credit). */
    ERROR,
    /** Sent, but not confirmed: the provider did not answer in time, or the replica sending it stopped. */
    TIMEOUT;

    /** @return whether the message will not change any more */
    public boolean isTerminal() {
        return this == OK || this == ERROR || this == TIMEOUT;
    }

    /** @return the status a client sees: a claim is an internal step of {@code QUEUED} */
    public MessageStatus visible() {
        return this == CLAIMED ? QUEUED : this;
    }
}
