package io.canarybalancer.balancer.analysis;

import io.canarybalancer.balancer.analysis.AnalysisStatus.State;
import io.canarybalancer.balancer.analysis.CanaryAnalyzer.Decision;
import io.canarybalancer.balancer.config.spec.AnalysisSettings;
import io.canarybalancer.balancer.metrics.Outcomes;
import io.canarybalancer.balancer.mirror.RouteMirror;
import io.canarybalancer.balancer.rollout.RolloutState;
import io.canarybalancer.balancer.route.Fallback;
import io.canarybalancer.balancer.route.HeaderRule;
import io.canarybalancer.balancer.route.Pool;
import io.canarybalancer.balancer.route.PoolRole;
import io.canarybalancer.balancer.route.Replica;
import io.canarybalancer.balancer.route.Route;
import io.canarybalancer.balancer.route.RoutePolicy;
import io.canarybalancer.balancer.route.Strategy;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The analysis's judgement on a hand-driven clock and hand-recorded answers. */
class CanaryAnalyzerTest {
    private static final long SECOND = 1_000_000_000L;
    private static final AnalysisSettings SETTINGS = new AnalysisSettings(Duration.ofSeconds(10), Duration.ofSeconds(1),
            20, 0.05, 2.0, Duration.ofMillis(50), List.of(5, 25, 50, 100), Duration.ofSeconds(30));

    private final Outcomes stable = new Outcomes();
    private final Outcomes canary = new Outcomes();
    private final Route route = route(1, 1);
    private long clock = 1_000 * SECOND;

    @Test
    void waitsForEnoughCanaryAnswers() {
        CanaryAnalyzer analyzer = new CanaryAnalyzer(SETTINGS);
        check(analyzer, weight(5));
        record(canary, 19, 0, 1);
        record(stable, 400, 0, 1);
        Decision decision = check(analyzer, weight(5));
        assertThat(decision.status().state()).isEqualTo(State.WAITING);
        assertThat(decision.status().detail()).contains("19 of the 20 canary answers");
        assertThat(decision.kind()).isEqualTo(Decision.Kind.NONE);
    }

    @Test
    void rollsBackACanaryWhose5xxRateIsClearlyAboveStables() {
        CanaryAnalyzer analyzer = new CanaryAnalyzer(SETTINGS);
        check(analyzer, weight(50));
        record(canary, 100, 30, 1);
        record(stable, 100, 1, 1);
        Decision decision = check(analyzer, weight(50));
        assertThat(decision.kind()).isEqualTo(Decision.Kind.ROLL_BACK);
        assertThat(decision.cause()).isEqualTo("errors");
        assertThat(decision.reason()).contains("canary 5xx rate 30.0% (30 of 100)", "stable 1.0% (1 of 100)");
        assertThat(decision.status().limits().errorRate()).isCloseTo(0.06, within(1e-9));
        assertThat(decision.status().state()).isEqualTo(State.ROLLED_BACK);
        assertThat(decision.status().lastRollback().reason()).isEqualTo(decision.reason());
    }

    @Test
    void aRollbackThatCouldNotBeStoredShowsTheCanaryFailingNotRolledBack() {
        CanaryAnalyzer analyzer = new CanaryAnalyzer(SETTINGS);
        check(analyzer, weight(50));
        record(canary, 100, 30, 1);
        record(stable, 100, 0, 1);
        AnalysisStatus failed = check(analyzer, weight(50)).status().failedToAct("Consul unreachable");
        assertThat(failed.state()).isEqualTo(State.FAILING);
        assertThat(failed.detail()).startsWith("canary 5xx rate 30.0%").contains("Consul unreachable", "retrying");
        assertThat(failed.lastRollback()).isNull();
    }

    @Test
    void withNoCanaryReplicaThereIsNothingToJudge() {
        CanaryAnalyzer analyzer = new CanaryAnalyzer(SETTINGS);
        Decision decision = analyzer.check(clock, Instant.now(), route(2, 0), weight(50), stable.snapshot(),
                canary.snapshot(), null);
        assertThat(decision.status().state()).isEqualTo(State.IDLE);
        assertThat(decision.kind()).isEqualTo(Decision.Kind.NONE);
    }

    @Test
    void anErrorRateWithinTheMarginOfStablesIsHealthy() {
        CanaryAnalyzer analyzer = new CanaryAnalyzer(SETTINGS);
        check(analyzer, weight(50));
        record(canary, 100, 14, 1);
        record(stable, 100, 10, 1);
        assertThat(check(analyzer, weight(50)).status().state()).isEqualTo(State.HEALTHY);
    }

    @Test
    void withTooFewStableAnswersTheCanaryIsJudgedAgainstZeroErrors() {
        CanaryAnalyzer analyzer = new CanaryAnalyzer(SETTINGS);
        check(analyzer, weight(100));
        record(canary, 100, 6, 1);
        Decision decision = check(analyzer, weight(100));
        assertThat(decision.kind()).isEqualTo(Decision.Kind.ROLL_BACK);
        assertThat(decision.reason()).contains("too few stable answers");
        assertThat(decision.status().limits().p99Millis()).as("no latency limit without a baseline").isNull();
    }

    @Test
    void rollsBackACanaryWhoseP99IsClearlyAboveStables() {
        CanaryAnalyzer analyzer = new CanaryAnalyzer(SETTINGS);
        check(analyzer, weight(50));
        record(stable, 200, 0, 10);
        record(canary, 190, 0, 10);
        record(canary, 10, 0, 300);
        Decision decision = check(analyzer, weight(50));
        assertThat(decision.kind()).isEqualTo(Decision.Kind.ROLL_BACK);
        assertThat(decision.cause()).isEqualTo("latency");
        double stableP99 = decision.status().stable().p99Millis();
        assertThat(decision.status().limits().p99Millis()).isEqualTo(Math.max(2 * stableP99, stableP99 + 50));
        assertThat(decision.reason()).contains("canary p99", "stable");
    }

    @Test
    void oneSlowAnswerAmongTooFewForAP99DoesNotDecide() {
        CanaryAnalyzer analyzer = new CanaryAnalyzer(SETTINGS);
        check(analyzer, weight(5));
        record(stable, 400, 0, 2);
        record(canary, CanaryAnalyzer.MIN_ANSWERS_FOR_P99 - 2, 0, 2);
        record(canary, 1, 0, 300); // a first answer through a cold connection
        Decision decision = check(analyzer, weight(5));
        assertThat(decision.status().canary().p99Millis()).isGreaterThan(250);
        assertThat(decision.kind()).isEqualTo(Decision.Kind.NONE);
        assertThat(decision.status().state()).isEqualTo(State.HEALTHY);
    }

    @Test
    void aSlowerCanaryWithinTheLatencyMarginIsHealthy() {
        CanaryAnalyzer analyzer = new CanaryAnalyzer(SETTINGS);
        check(analyzer, weight(50));
        record(stable, 200, 0, 1);
        record(canary, 200, 0, 20); // 20x slower, but only 19 ms more: under the 50 ms margin
        assertThat(check(analyzer, weight(50)).kind()).isEqualTo(Decision.Kind.NONE);
    }

    @Test
    void oldAnswersLeaveTheWindow() {
        CanaryAnalyzer analyzer = new CanaryAnalyzer(SETTINGS);
        check(analyzer, weight(50));
        record(canary, 100, 30, 1);
        clock += 11 * SECOND;
        assertThat(check(analyzer, weight(50)).kind()).isEqualTo(Decision.Kind.ROLL_BACK); // not acted on here
        clock += 11 * SECOND;
        record(canary, 100, 0, 1);
        record(stable, 100, 0, 1);
        Decision decision = check(analyzer, weight(50));
        assertThat(decision.status().canary().requests()).isEqualTo(100);
        assertThat(decision.status().state()).isEqualTo(State.HEALTHY);
    }

    @Test
    void afterAnAutomaticRollbackItWaitsForTheOperatorAndStartsAfreshAfterwards() {
        CanaryAnalyzer analyzer = new CanaryAnalyzer(SETTINGS);
        check(analyzer, weight(50));
        record(canary, 100, 30, 1);
        record(stable, 100, 0, 1);
        RolloutState rolledBack = weight(50).autoRolledBack("canary 5xx rate 30.0%", Instant.now());
        Decision held = check(analyzer, rolledBack);
        assertThat(held.status().state()).isEqualTo(State.ROLLED_BACK);
        assertThat(held.status().detail()).contains("canary 5xx rate 30.0%");
        assertThat(held.kind()).isEqualTo(Decision.Kind.NONE);

        clock += SECOND;
        Decision lifted = check(analyzer, weight(5));  // the operator set a weight: the bad answers are forgotten
        assertThat(lifted.status().state()).isEqualTo(State.WAITING);
        assertThat(lifted.status().canary().requests()).isZero();
    }

    @Test
    void stepsUpOnlyAfterHoldingEachWeightHealthyForThePause() {
        CanaryAnalyzer analyzer = new CanaryAnalyzer(SETTINGS);
        record(canary, 50, 0, 1);
        record(stable, 950, 0, 1);
        check(analyzer, weight(5));
        clock += SECOND;
        record(canary, 50, 0, 1);
        Decision first = check(analyzer, weight(5)); // the first healthy check starts the pause
        assertThat(first.status().state()).isEqualTo(State.HEALTHY);
        assertThat(first.status().nextStepIn()).isEqualTo(Duration.ofSeconds(30));

        Decision early = null;
        for (int second = 1; second < 30; second++) {
            clock += SECOND - SECOND / 10;
            record(canary, 5, 0, 1);
            early = check(analyzer, weight(5));
            assertThat(early.kind()).as("after %d s", second).isEqualTo(Decision.Kind.NONE);
        }
        assertThat(early.status().nextStep()).isEqualTo(25);
        assertThat(early.status().nextStepIn()).isEqualTo(Duration.ofSeconds(1));

        clock += SECOND - SECOND / 10;
        Decision step = check(analyzer, weight(5));
        assertThat(step.kind()).isEqualTo(Decision.Kind.STEP);
        assertThat(step.toWeight()).isEqualTo(25);

        Decision next = check(analyzer, weight(25)); // the pause starts again at the new weight
        assertThat(next.kind()).isEqualTo(Decision.Kind.NONE);
        assertThat(next.status().nextStep()).isEqualTo(50);
        assertThat(next.status().nextStepIn()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void timeSpentWaitingForAnswersDoesNotCountTowardsThePause() {
        CanaryAnalyzer analyzer = new CanaryAnalyzer(SETTINGS);
        check(analyzer, weight(5));
        clock += 60 * SECOND;
        assertThat(check(analyzer, weight(5)).status().state()).isEqualTo(State.WAITING);
        record(canary, 50, 0, 1);
        record(stable, 950, 0, 1);
        Decision healthy = check(analyzer, weight(5));
        assertThat(healthy.kind()).isEqualTo(Decision.Kind.NONE);
        assertThat(healthy.status().nextStepIn()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void theScheduleDoesNotUndoAnOperatorsRollbackToZero() {
        CanaryAnalyzer analyzer = new CanaryAnalyzer(SETTINGS);
        Decision decision = aMinuteOfFlaggedAnswersAtZero(state -> check(analyzer, state));
        assertThat(decision.status().detail()).contains("waits at 0%");
        assertThat(decision.status().nextStep()).isEqualTo(-1);
    }

    /** Sixty checks at weight 0, a second apart, with only testers' flagged requests reaching the canary. */
    private Decision aMinuteOfFlaggedAnswersAtZero(Function<RolloutState, Decision> check) {
        check.apply(weight(0));
        for (int second = 0; second < 60; second++) {
            clock += SECOND;
            record(canary, 10, 0, 1);
            record(stable, 100, 0, 1);
            assertThat(check.apply(weight(0)).kind()).as("after %d s", second).isEqualTo(Decision.Kind.NONE);
        }
        return check.apply(weight(0));
    }

    @Test
    void aKnownCanaryReplicaComingAndGoingKeepsTheWindow() {
        CanaryAnalyzer analyzer = new CanaryAnalyzer(SETTINGS);
        Route two = route(1, 2);
        Route one = new Route("r", "/", two.policy(), two.stable(), new Pool(PoolRole.CANARY, "service-v2", null,
                List.of(two.canary().replicas().get(0))));
        analyzer.check(clock, Instant.now(), two, weight(50), stable.snapshot(), canary.snapshot(), null);
        record(canary, 30, 0, 1);
        clock += SECOND;
        analyzer.check(clock, Instant.now(), one, weight(50), stable.snapshot(), canary.snapshot(), null);
        clock += SECOND;
        Decision back = analyzer.check(clock, Instant.now(), two, weight(50), stable.snapshot(), canary.snapshot(), null);
        assertThat(back.status().canary().requests()).isEqualTo(30);
    }

    @Test
    void doesNotStepWhileWaitingPausedOrDone() {
        CanaryAnalyzer analyzer = new CanaryAnalyzer(SETTINGS);
        check(analyzer, weight(5));
        clock += 60 * SECOND;
        assertThat(check(analyzer, weight(5)).kind()).isEqualTo(Decision.Kind.NONE); // no answers at all

        record(canary, 100, 0, 1);
        record(stable, 100, 0, 1);
        clock += SECOND;
        RolloutState paused = weight(5).withPaused(true);
        check(analyzer, paused);
        clock += 60 * SECOND;
        record(canary, 100, 0, 1);
        record(stable, 100, 0, 1);
        Decision whilePaused = check(analyzer, paused);
        assertThat(whilePaused.status().state()).isEqualTo(State.PAUSED);
        assertThat(whilePaused.kind()).isEqualTo(Decision.Kind.NONE);

        record(canary, 100, 0, 1);
        Decision done = check(analyzer, weight(100));
        assertThat(done.status().state()).isEqualTo(State.COMPLETE);
        assertThat(done.kind()).isEqualTo(Decision.Kind.NONE);
    }

    @Test
    void neverRollsBackWithNoStableReplicaToFallBackTo() {
        CanaryAnalyzer analyzer = new CanaryAnalyzer(SETTINGS);
        Route onlyCanary = route(0, 2);
        analyzer.check(clock, Instant.now(), onlyCanary, weight(100), stable.snapshot(), canary.snapshot(), null);
        record(canary, 100, 50, 1);
        clock += SECOND;
        Decision decision = analyzer.check(clock, Instant.now(), onlyCanary, weight(100), stable.snapshot(),
                canary.snapshot(), null);
        assertThat(decision.kind()).isEqualTo(Decision.Kind.NONE);
        assertThat(decision.status().state()).isEqualTo(State.FAILING);
        assertThat(decision.status().detail()).contains("no stable replica");
    }

    @Test
    void aNewCanaryIsJudgedOnItsOwnAnswers() {
        CanaryAnalyzer analyzer = new CanaryAnalyzer(SETTINGS);
        check(analyzer, weight(50));
        record(canary, 15, 15, 1);
        record(stable, 100, 0, 1);
        clock += SECOND;
        Route redeployed = new Route("r", "/", route.policy(), route.stable(), new Pool(PoolRole.CANARY, "service-v2",
                null, List.of(new Replica("canary-new", "127.0.0.1", 9200, 1, PoolRole.CANARY))));
        analyzer.check(clock, Instant.now(), redeployed, weight(50), stable.snapshot(), canary.snapshot(), null);
        record(canary, 10, 0, 1);
        clock += SECOND;
        Decision decision = analyzer.check(clock, Instant.now(), redeployed, weight(50), stable.snapshot(),
                canary.snapshot(), null);
        assertThat(decision.status().canary().requests()).isEqualTo(10);
        assertThat(decision.status().state()).isEqualTo(State.WAITING);
    }

    // Mirrored pairs: the route's mirror's cumulative counts, built by hand the way RouteMirror keeps them.

    private static final AnalysisSettings MIRRORED = new AnalysisSettings(Duration.ofSeconds(10), Duration.ofSeconds(1),
            20, 0.05, 2.0, Duration.ofMillis(50), List.of(10, 50), Duration.ofSeconds(30), 0.1);

    private final Outcomes mirroredStable = new Outcomes();
    private final Outcomes mirroredCanary = new Outcomes();
    private long pairs;
    private long differing;
    private String lastDifference;

    @Test
    void waitsForEnoughMirroredPairs() {
        CanaryAnalyzer analyzer = new CanaryAnalyzer(MIRRORED);
        checkMirrored(analyzer, weight(0));
        pairs(19, 0, 0, 1, 1);
        Decision waiting = checkMirrored(analyzer, weight(0));
        assertThat(waiting.status().state()).isEqualTo(State.WAITING);
        assertThat(waiting.status().detail()).contains("0 of the 20 canary answers", "19 of the 20 mirrored pairs");
        assertThat(waiting.kind()).isEqualTo(Decision.Kind.NONE);

        pairs(1, 0, 0, 1, 1);
        Decision judged = checkMirrored(analyzer, weight(0));
        assertThat(judged.status().state()).isEqualTo(State.HEALTHY);
        assertThat(judged.status().detail()).contains("on mirrored requests");
    }

    @Test
    void rollsBackACanaryWhoseErrorRateOnMirroredRequestsIsClearlyAboveStablesOnTheSameRequests() {
        CanaryAnalyzer analyzer = new CanaryAnalyzer(MIRRORED);
        checkMirrored(analyzer, weight(0));
        pairs(100, 2, 10, 1, 1);
        Decision decision = checkMirrored(analyzer, weight(0));
        assertThat(decision.kind()).isEqualTo(Decision.Kind.ROLL_BACK);
        assertThat(decision.cause()).isEqualTo("mirror_errors");
        assertThat(decision.reason()).contains("canary error rate on mirrored requests 10.0% (10 of 100)",
                "stable 2.0% (2 of 100)");
        assertThat(decision.status().limits().mirroredErrorRate()).isCloseTo(0.07, within(1e-9));
        assertThat(decision.status().state()).isEqualTo(State.ROLLED_BACK);
        assertThat(decision.status().lastRollback().reason()).isEqualTo(decision.reason());
    }

    @Test
    void mirroredErrorsAreJudgedAgainstStablesAnswersToTheSameRequests() {
        CanaryAnalyzer analyzer = new CanaryAnalyzer(MIRRORED);
        checkMirrored(analyzer, weight(0));
        record(stable, 1000, 0, 1); // stable's live answers are clean: only the paired rate is the baseline
        pairs(100, 10, 14, 1, 1);   // those requests fail on stable too: 14% is within 10% + 5 points
        Decision decision = checkMirrored(analyzer, weight(0));
        assertThat(decision.kind()).isEqualTo(Decision.Kind.NONE);
        assertThat(decision.status().state()).isEqualTo(State.HEALTHY);
        assertThat(decision.status().limits().mirroredErrorRate()).isCloseTo(0.15, within(1e-9));
    }

    @Test
    void judgesTheP99OnMirroredRequestsOnlyFromAHundredPairsOn() {
        CanaryAnalyzer analyzer = new CanaryAnalyzer(MIRRORED);
        checkMirrored(analyzer, weight(0));
        pairs(89, 0, 0, 10, 10);
        pairs(10, 0, 0, 10, 300);
        Decision tooFew = checkMirrored(analyzer, weight(0));
        assertThat(tooFew.status().mirror().canary().p99Millis()).isGreaterThan(250);
        assertThat(tooFew.kind()).as("99 pairs").isEqualTo(Decision.Kind.NONE);

        pairs(1, 0, 0, 10, 300);
        Decision decision = checkMirrored(analyzer, weight(0));
        assertThat(decision.kind()).isEqualTo(Decision.Kind.ROLL_BACK);
        assertThat(decision.cause()).isEqualTo("mirror_latency");
        assertThat(decision.reason()).contains("canary p99 on mirrored requests");
        double stableP99 = decision.status().mirror().stable().p99Millis();
        assertThat(decision.status().limits().mirroredP99Millis()).isEqualTo(Math.max(2 * stableP99, stableP99 + 50));
    }

    @Test
    void rollsBackACanaryWhoseAnswersDifferMoreOftenThanMaxDiffRate() {
        CanaryAnalyzer analyzer = new CanaryAnalyzer(MIRRORED);
        checkMirrored(analyzer, weight(0));
        pairs(100, 0, 0, 1, 1);
        differing(11, "body: $.price: 3 != 4");
        Decision decision = checkMirrored(analyzer, weight(0));
        assertThat(decision.kind()).isEqualTo(Decision.Kind.ROLL_BACK);
        assertThat(decision.cause()).isEqualTo("differences");
        assertThat(decision.reason()).contains("11 of 100", "body: $.price: 3 != 4");
        assertThat(decision.status().lastRollback().reason()).isEqualTo(decision.reason());
    }

    @Test
    void aDiffRateAtMaxDiffRateIsHealthy() {
        CanaryAnalyzer analyzer = new CanaryAnalyzer(MIRRORED);
        checkMirrored(analyzer, weight(0));
        pairs(100, 0, 0, 1, 1);
        differing(10, "body: $.price: 3 != 4");
        Decision decision = checkMirrored(analyzer, weight(0));
        assertThat(decision.status().mirror().diffRate()).isEqualTo(0.1);
        assertThat(decision.kind()).isEqualTo(Decision.Kind.NONE);
        assertThat(decision.status().state()).isEqualTo(State.HEALTHY);
    }

    @Test
    void differencesOlderThanTheWindowNoLongerCount() {
        CanaryAnalyzer analyzer = new CanaryAnalyzer(MIRRORED);
        checkMirrored(analyzer, weight(0));
        pairs(100, 0, 0, 1, 1);
        differing(30, "status: 200 != 500");
        clock += 11 * SECOND;
        assertThat(checkMirrored(analyzer, weight(0)).kind()).isEqualTo(Decision.Kind.ROLL_BACK); // not acted on
        clock += 11 * SECOND;
        pairs(100, 0, 0, 1, 1);
        Decision decision = checkMirrored(analyzer, weight(0));
        assertThat(decision.status().mirror().pairs()).isEqualTo(100);
        assertThat(decision.status().mirror().differing()).isZero();
        assertThat(decision.status().mirror().lastDifference()).as("the latest difference left the window").isNull();
        assertThat(decision.status().state()).isEqualTo(State.HEALTHY);
    }

    @Test
    void aDarkLaunchStepsToTheFirstWeightAfterTheMirroredWindowStayedHealthyForThePause() {
        CanaryAnalyzer analyzer = new CanaryAnalyzer(MIRRORED);
        checkMirrored(analyzer, weight(0));
        clock += SECOND;
        pairs(20, 0, 0, 1, 1);
        Decision first = checkMirrored(analyzer, weight(0)); // the first healthy check starts the pause
        assertThat(first.status().state()).isEqualTo(State.HEALTHY);
        assertThat(first.status().nextStep()).isEqualTo(10);
        assertThat(first.status().nextStepIn()).isEqualTo(Duration.ofSeconds(30));

        Decision early = null;
        for (int second = 1; second < 30; second++) {
            clock += SECOND - SECOND / 10;
            pairs(5, 0, 0, 1, 1);
            early = checkMirrored(analyzer, weight(0));
            assertThat(early.kind()).as("after %d s", second).isEqualTo(Decision.Kind.NONE);
            assertThat(early.status().state()).isEqualTo(State.HEALTHY);
        }
        assertThat(early.status().canary().requests()).as("no user request reached the canary").isZero();
        assertThat(early.status().nextStep()).isEqualTo(10);
        assertThat(early.status().nextStepIn()).isEqualTo(Duration.ofSeconds(1));

        clock += SECOND - SECOND / 10;
        pairs(5, 0, 0, 1, 1);
        Decision step = checkMirrored(analyzer, weight(0));
        assertThat(step.kind()).isEqualTo(Decision.Kind.STEP);
        assertThat(step.toWeight()).isEqualTo(10);
    }

    @Test
    void anOperatorsRollbackToZeroIsNoDarkLaunchEvenWithAHealthyMirror() {
        CanaryAnalyzer analyzer = new CanaryAnalyzer(MIRRORED);
        checkMirrored(analyzer, weight(10));
        Decision last = null;
        for (int second = 0; second <= 40; second++) {
            clock += SECOND;
            pairs(5, 0, 0, 1, 1);
            last = checkMirrored(analyzer, weight(0)); // rolled back by an operator, from 10% to 0
            assertThat(last.kind()).as("after %d s", second).isEqualTo(Decision.Kind.NONE);
        }
        assertThat(last.status().detail()).contains("waits at 0%");
        assertThat(last.status().nextStep()).isEqualTo(-1);
    }

    @Test
    void pausingADarkLaunchHoldsItAndResumingLetsItStep() {
        CanaryAnalyzer analyzer = new CanaryAnalyzer(MIRRORED);
        checkMirrored(analyzer, weight(0));
        Decision paused = null;
        for (int second = 0; second <= 40; second++) {
            clock += SECOND;
            pairs(5, 0, 0, 1, 1);
            paused = checkMirrored(analyzer, weight(0).withPaused(true));
            assertThat(paused.kind()).as("after %d s", second).isEqualTo(Decision.Kind.NONE);
        }
        assertThat(paused.status().state()).isEqualTo(State.PAUSED);
        Decision step = null;
        for (int second = 0; second <= 31 && (step == null || step.kind() != Decision.Kind.STEP); second++) {
            clock += SECOND;
            pairs(5, 0, 0, 1, 1);
            step = checkMirrored(analyzer, weight(0));
        }
        assertThat(step.kind()).isEqualTo(Decision.Kind.STEP);
        assertThat(step.toWeight()).isEqualTo(10);
    }

    @Test
    void aDarkLaunchWhoseMirroredWindowTurnsBadStartsThePauseAgain() {
        CanaryAnalyzer analyzer = new CanaryAnalyzer(MIRRORED);
        checkMirrored(analyzer, weight(0));
        pairs(20, 0, 0, 1, 1);
        checkMirrored(analyzer, weight(0));
        clock += 20 * SECOND;
        pairs(20, 0, 0, 1, 1);
        differing(10, "status: 200 != 404");
        assertThat(checkMirrored(analyzer, weight(0)).kind()).isEqualTo(Decision.Kind.ROLL_BACK); // not acted on
        clock += 11 * SECOND;
        pairs(100, 0, 0, 1, 1);
        Decision healthyAgain = checkMirrored(analyzer, weight(0));
        assertThat(healthyAgain.kind()).isEqualTo(Decision.Kind.NONE);
        assertThat(healthyAgain.status().nextStepIn()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void atWeightZeroAMirrorWithTooFewPairsDoesNotStepOnFlaggedAnswersAlone() {
        CanaryAnalyzer analyzer = new CanaryAnalyzer(MIRRORED);
        Decision decision = aMinuteOfFlaggedAnswersAtZero(state -> checkMirrored(analyzer, state));
        assertThat(decision.status().detail()).contains("waits at 0%");
        assertThat(decision.status().nextStep()).isEqualTo(-1);
    }

    @Test
    void theStatusShowsTheMirroredWindowAndItsLimitsOnlyForARouteWithAMirror() {
        CanaryAnalyzer withMirror = new CanaryAnalyzer(MIRRORED);
        checkMirrored(withMirror, weight(0));
        pairs(40, 1, 2, 1, 1);
        differing(3, "header: content-type: application/json != text/plain");
        AnalysisStatus mirrored = checkMirrored(withMirror, weight(0)).status();
        assertThat(mirrored.mirror()).isNotNull();
        assertThat(mirrored.mirror().pairs()).isEqualTo(40);
        assertThat(mirrored.mirror().differing()).isEqualTo(3);
        assertThat(mirrored.mirror().diffRate()).isCloseTo(3 / 40.0, within(1e-9));
        assertThat(mirrored.mirror().stable().errors()).isEqualTo(1);
        assertThat(mirrored.mirror().canary().errors()).isEqualTo(2);
        assertThat(mirrored.mirror().lastDifference()).isEqualTo("header: content-type: application/json != text/plain");
        assertThat(mirrored.limits().diffRate()).isEqualTo(0.1);
        assertThat(mirrored.limits().mirroredErrorRate()).isCloseTo(1 / 40.0 + 0.05, within(1e-9));

        CanaryAnalyzer without = new CanaryAnalyzer(MIRRORED);
        check(without, weight(10));
        record(canary, 40, 0, 1);
        record(stable, 40, 0, 1);
        AnalysisStatus live = check(without, weight(10)).status();
        assertThat(live.mirror()).isNull();
        assertThat(live.limits().diffRate()).isNull();
        assertThat(live.limits().mirroredErrorRate()).isNull();
        assertThat(live.limits().mirroredP99Millis()).isNull();
    }

    private Decision checkMirrored(CanaryAnalyzer analyzer, RolloutState state) {
        clock += SECOND / 10;
        RouteMirror.Snapshot mirror = new RouteMirror.Snapshot(mirroredStable.snapshot(), mirroredCanary.snapshot(),
                pairs, differing, lastDifference);
        return analyzer.check(clock, Instant.now(), route, state, stable.snapshot(), canary.snapshot(), mirror);
    }

    /** {@code count} compared pairs that agreed, with each side's errors and latency. */
    private void pairs(int count, int stableErrors, int canaryErrors, long stableMillis, long canaryMillis) {
        record(mirroredStable, count, stableErrors, stableMillis);
        record(mirroredCanary, count, canaryErrors, canaryMillis);
        pairs += count;
    }

    /** Marks {@code count} of the pairs recorded as differing, the latest in {@code first}. */
    private void differing(int count, String first) {
        differing += count;
        lastDifference = first;
    }

    private Decision check(CanaryAnalyzer analyzer, RolloutState state) {
        clock += SECOND / 10;
        return analyzer.check(clock, Instant.now(), route, state, stable.snapshot(), canary.snapshot(), null);
    }

    private static RolloutState weight(int weight) {
        return new RolloutState(Strategy.WEIGHT, weight, false);
    }

    private static void record(Outcomes outcomes, int answers, int errors, long millis) {
        for (int i = 0; i < answers; i++) {
            outcomes.record(i < errors ? 500 : 200, millis * 1_000_000);
        }
    }

    private static Route route(int stableReplicas, int canaryReplicas) {
        return new Route("r", "/", new RoutePolicy(Strategy.WEIGHT, 50, HeaderRule.DEFAULT, Fallback.STABLE),
                pool(PoolRole.STABLE, stableReplicas), pool(PoolRole.CANARY, canaryReplicas));
    }

    private static Pool pool(PoolRole role, int replicas) {
        List<Replica> list = new java.util.ArrayList<>();
        for (int i = 0; i < replicas; i++) {
            list.add(new Replica(role.label() + "-" + i, "127.0.0.1", 9000 + 100 * role.ordinal() + i, 1, role));
        }
        return new Pool(role, role == PoolRole.STABLE ? "service-v1" : "service-v2", null, list);
    }
}
