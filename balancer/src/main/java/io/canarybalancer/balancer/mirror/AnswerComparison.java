package io.canarybalancer.balancer.mirror;

import java.util.List;

/** Compares stable's and the canary's answers to one mirrored request. */
public final class AnswerComparison {

    private AnswerComparison() {
    }

    /**
     * The ways {@code canary} differs from {@code stable} under {@code rules}, the first one first;
     * empty when they agree.
     */
    public static List<Difference> compare(CompareRules rules, Answer stable, Answer canary) {
        throw new UnsupportedOperationException("not yet");
    }
}
