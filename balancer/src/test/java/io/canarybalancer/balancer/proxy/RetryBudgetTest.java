package io.canarybalancer.balancer.proxy;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RetryBudgetTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void retriesAreCappedAtTheRatioPlusTheAllowance() {
        RetryBudget budget = new RetryBudget(0.2, 3, SECOND, 0);
        for (int i = 0; i < 100; i++) {
            budget.requested(0);
        }

        int granted = 0;
        for (int i = 0; i < 100; i++) {
            granted += budget.tryRetry(0) ? 1 : 0;
        }

        assertThat(granted).isEqualTo(23); // 3 + 20% of 100
    }

    @Test
    void theBudgetRecoversAsTimePasses() {
        RetryBudget budget = new RetryBudget(0.0, 2, SECOND, 0);
        assertThat(budget.tryRetry(0)).isTrue();
        assertThat(budget.tryRetry(0)).isTrue();
        assertThat(budget.tryRetry(0)).isFalse();

        assertThat(budget.tryRetry(SECOND)).isTrue(); // halved: one used of two allowed
        assertThat(budget.tryRetry(SECOND)).isFalse();
    }
}
