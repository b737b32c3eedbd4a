package io.canarybalancer.balancer.proxy;

/**
 * The client's request as the balancer reads it: one field of an {@link Exchange} or a
 * {@link StreamExchange} instead of separate "done" and "abandoned" flags.
 *
 * <pre>
 *   READING -------------> DONE
 *   READING -> DISCARDING -> DONE
 * </pre>
 *
 * A request without a body starts {@link #DONE}: there is nothing to read after its head.
 */
enum RequestState {
    /** Its body is still coming: sent on as it arrives, or held until a backend takes the head. */
    READING,
    /**
     * Its body is still coming, but nobody wants it: the answer is complete already, so the rest is
     * read and dropped (HTTP/1.1 only; an HTTP/2 stream is reset instead).
     */
    DISCARDING,
    /** Nothing more is read for it: all of it came, or the balancer refused the rest. */
    DONE;

    /** Whether an exchange may go from this state to {@code next}: only forward, never back. */
    boolean canMoveTo(RequestState next) {
        return switch (this) {
            case READING -> next == DISCARDING || next == DONE;
            case DISCARDING -> next == DONE;
            case DONE -> false;
        };
    }

    /** Moves to {@code next}: an illegal move is reported, and made all the same (see {@link IllegalMoves#checked}). */
    RequestState to(RequestState next) {
        return IllegalMoves.checked(this, next, canMoveTo(next));
    }
}
