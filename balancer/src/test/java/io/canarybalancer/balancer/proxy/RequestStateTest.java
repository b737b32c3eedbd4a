package io.canarybalancer.balancer.proxy;

import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import static io.canarybalancer.balancer.proxy.RequestState.DISCARDING;
import static io.canarybalancer.balancer.proxy.RequestState.DONE;
import static io.canarybalancer.balancer.proxy.RequestState.READING;
import static org.assertj.core.api.Assertions.assertThat;

class RequestStateTest {
    /** Every legal move; any pair not listed must be refused. */
    private static final Map<RequestState, Set<RequestState>> LEGAL = Map.of(
            READING, EnumSet.of(DISCARDING, DONE),
            DISCARDING, EnumSet.of(DONE),
            DONE, EnumSet.noneOf(RequestState.class));

    @Test
    void aRequestOnlyMovesForward() {
        for (RequestState from : RequestState.values()) {
            for (RequestState to : RequestState.values()) {
                assertThat(from.canMoveTo(to)).as("%s -> %s", from, to).isEqualTo(LEGAL.get(from).contains(to));
            }
        }
    }

    @Test
    void aRequestThatIsDoneIsNeverReadAgain() {
        assertThat(DONE.canMoveTo(READING)).isFalse();
        assertThat(DONE.canMoveTo(DISCARDING)).isFalse();
        assertThat(DISCARDING.canMoveTo(READING)).isFalse();
    }

    @Test
    void anIllegalMoveIsReportedNotThrownAndStillMade() {
        long before = IllegalMoves.count();

        assertThat(READING.to(DISCARDING)).isEqualTo(DISCARDING);
        assertThat(IllegalMoves.count()).isEqualTo(before);
        assertThat(DONE.to(READING)).isEqualTo(READING); // a live exchange keeps running on the bug's result
        assertThat(IllegalMoves.count()).isEqualTo(before + 1);
    }
}
