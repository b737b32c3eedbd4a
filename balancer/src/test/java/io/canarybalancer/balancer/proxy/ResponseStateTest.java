package io.canarybalancer.balancer.proxy;

import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import static io.canarybalancer.balancer.proxy.ResponseState.COMPLETE;
import static io.canarybalancer.balancer.proxy.ResponseState.NOT_STARTED;
import static io.canarybalancer.balancer.proxy.ResponseState.STREAMING;
import static org.assertj.core.api.Assertions.assertThat;

class ResponseStateTest {
    /** Every legal move; any pair not listed must be refused. */
    private static final Map<ResponseState, Set<ResponseState>> LEGAL = Map.of(
            NOT_STARTED, EnumSet.of(STREAMING, COMPLETE),
            STREAMING, EnumSet.of(COMPLETE),
            COMPLETE, EnumSet.noneOf(ResponseState.class));

    @Test
    void anAnswerOnlyMovesForward() {
        for (ResponseState from : ResponseState.values()) {
            for (ResponseState to : ResponseState.values()) {
                assertThat(from.canMoveTo(to)).as("%s -> %s", from, to).isEqualTo(LEGAL.get(from).contains(to));
            }
        }
    }

    @Test
    void anAnswerUnderWayCannotBeTakenBack() {
        // What makes a retry safe: once any of the answer went to the client, it is never "not started" again.
        assertThat(STREAMING.canMoveTo(NOT_STARTED)).isFalse();
        assertThat(COMPLETE.canMoveTo(NOT_STARTED)).isFalse();
        assertThat(COMPLETE.canMoveTo(STREAMING)).isFalse();
    }

    @Test
    void theBalancersOwnAnswerGoesInOnePiece() {
        assertThat(NOT_STARTED.canMoveTo(COMPLETE)).isTrue();
    }

    @Test
    void anIllegalMoveIsReportedNotThrownAndStillMade() {
        long before = IllegalMoves.count();

        assertThat(NOT_STARTED.to(STREAMING)).isEqualTo(STREAMING);
        assertThat(IllegalMoves.count()).isEqualTo(before);
        assertThat(COMPLETE.to(STREAMING)).isEqualTo(STREAMING);
        assertThat(IllegalMoves.count()).isEqualTo(before + 1);
    }
}
