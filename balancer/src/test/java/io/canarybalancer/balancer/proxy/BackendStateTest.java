package io.canarybalancer.balancer.proxy;

import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import static io.canarybalancer.balancer.proxy.BackendState.AWAITING_HEAD;
import static io.canarybalancer.balancer.proxy.BackendState.CLOSED;
import static io.canarybalancer.balancer.proxy.BackendState.COMPLETE;
import static io.canarybalancer.balancer.proxy.BackendState.STREAMING;
import static org.assertj.core.api.Assertions.assertThat;

class BackendStateTest {
    /** Every legal move; any pair not listed must be refused. */
    private static final Map<BackendState, Set<BackendState>> LEGAL = Map.of(
            AWAITING_HEAD, EnumSet.of(STREAMING, COMPLETE, CLOSED),
            STREAMING, EnumSet.of(COMPLETE, CLOSED),
            COMPLETE, EnumSet.of(CLOSED),
            CLOSED, EnumSet.of(CLOSED));

    @Test
    void anAttemptOnlyMovesForward() {
        for (BackendState from : BackendState.values()) {
            for (BackendState to : BackendState.values()) {
                assertThat(from.canMoveTo(to)).as("%s -> %s", from, to).isEqualTo(LEGAL.get(from).contains(to));
            }
        }
    }

    @Test
    void everyStateMayCloseAndClosingTwiceIsHarmless() {
        for (BackendState from : BackendState.values()) {
            assertThat(from.canMoveTo(CLOSED)).as("%s -> CLOSED", from).isTrue();
        }
    }

    @Test
    void aClosedAttemptNeverRelaysAgain() {
        assertThat(CLOSED.canMoveTo(AWAITING_HEAD)).isFalse();
        assertThat(CLOSED.canMoveTo(STREAMING)).isFalse();
        assertThat(CLOSED.canMoveTo(COMPLETE)).isFalse();
    }

    @Test
    void anIllegalMoveIsReportedNotThrownAndStillMade() {
        long before = IllegalMoves.count();

        assertThat(CLOSED.to(CLOSED)).isEqualTo(CLOSED);
        assertThat(IllegalMoves.count()).isEqualTo(before);
        assertThat(CLOSED.to(STREAMING)).isEqualTo(STREAMING);
        assertThat(IllegalMoves.count()).isEqualTo(before + 1);
    }
}
