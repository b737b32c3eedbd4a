package io.canarybalancer.balancer.proxy;

/**
 * One attempt of a {@link StreamExchange} at one replica, as the balancer reads the replica's
 * answer: the field of a {@link StreamBackend} instead of separate "started", "done" and "closed"
 * flags.
 *
 * <pre>
 *   AWAITING_HEAD -> STREAMING -> COMPLETE
 *   AWAITING_HEAD --------------> COMPLETE
 *   any state ------------------> CLOSED
 * </pre>
 *
 * The direct move to {@link #COMPLETE} is an answer that is all head (HTTP/2 headers that end the
 * stream). {@link #CLOSED} is final: the exchange finished or abandoned the attempt, and whatever
 * the replica sends from then on is dropped.
 */
enum BackendState {
    /** No answer yet: a connection or a stream is on its way, or the request is going out on it. */
    AWAITING_HEAD,
    /** The answer's head came (interim answers do not count) and its body is under way. */
    STREAMING,
    /** The whole answer came; the connection or stream is kept until the exchange finishes. */
    COMPLETE,
    /** The attempt is over: its connection went back to the pool or was closed, its stream closed or reset. */
    CLOSED;

    /** Whether an attempt may go from this state to {@code next}: only forward; closing twice is harmless. */
    boolean canMoveTo(BackendState next) {
        return switch (this) {
            case AWAITING_HEAD -> next != AWAITING_HEAD;
            case STREAMING -> next == COMPLETE || next == CLOSED;
            case COMPLETE, CLOSED -> next == CLOSED;
        };
    }

    /** Moves to {@code next}: an illegal move is reported, and made all the same (see {@link IllegalMoves#checked}). */
    BackendState to(BackendState next) {
        return IllegalMoves.checked(this, next, canMoveTo(next));
    }
}
