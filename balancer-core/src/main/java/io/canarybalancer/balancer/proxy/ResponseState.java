package io.canarybalancer.balancer.proxy;

/**
 * The answer as the client gets it: one field of an {@link Exchange} or a {@link StreamExchange}
 * instead of separate "started" and "done" flags.
 *
 * <pre>
 *   NOT_STARTED -> STREAMING -> COMPLETE
 *   NOT_STARTED --------------> COMPLETE
 * </pre>
 *
 * The direct move is the balancer's own answer (an error, a {@code 101} that turns the exchange
 * into a tunnel): it goes in one piece.
 */
enum ResponseState {
    /** Nothing of an answer went to the client yet: a retry on another replica is still possible. */
    NOT_STARTED,
    /** The answer's head went to the client and its body is under way: a failure now can only cut it short. */
    STREAMING,
    /** All of the answer went to the client: the backend's, or the balancer's own. */
    COMPLETE;

    /** Whether an exchange may go from this state to {@code next}: only forward, never back. */
    boolean canMoveTo(ResponseState next) {
        return switch (this) {
            case NOT_STARTED -> next == STREAMING || next == COMPLETE;
            case STREAMING -> next == COMPLETE;
            case COMPLETE -> false;
        };
    }

    /** Moves to {@code next}: an illegal move is reported, and made all the same (see {@link IllegalMoves#checked}). */
    ResponseState to(ResponseState next) {
        return IllegalMoves.checked(this, next, canMoveTo(next));
    }
}
