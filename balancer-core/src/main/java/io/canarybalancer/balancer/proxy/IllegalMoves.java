package io.canarybalancer.balancer.proxy;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reports a state move its rules forbid ({@link RequestState}, {@link ResponseState},
 * {@link BackendState}): a bug in the proxy. Each distinct move is logged once, with where it
 * happened, and never thrown, so a live exchange is not broken further by its own bookkeeping.
 * Nothing here runs on a correct path: legal moves cost one switch and no allocation.
 */
final class IllegalMoves {
    private static final Logger log = LoggerFactory.getLogger(IllegalMoves.class);
    /** The moves logged so far: once each is enough to find the bug, a flood of one line would hide the rest. */
    private static final Set<String> logged = ConcurrentHashMap.newKeySet();
    private static final AtomicLong count = new AtomicLong();

    private IllegalMoves() {
    }

    /**
     * Returns {@code to}, the state to move to. An illegal move is a bug: reported here and made all
     * the same, as the flags the states replaced were simply set, so the exchange behaves as before.
     */
    static <S extends Enum<S>> S checked(S from, S to, boolean legal) {
        if (!legal) {
            report(from, to);
        }
        return to;
    }

    private static void report(Enum<?> from, Enum<?> to) {
        count.incrementAndGet();
        String move = from.getDeclaringClass().getSimpleName() + " " + from + " -> " + to;
        if (logged.add(move)) {
            log.error("Bug: illegal move {} (logged once)", move, new IllegalStateException(move));
        }
    }

    /** How many illegal moves this process has seen, logged or not. */
    static long count() {
        return count.get();
    }
}
