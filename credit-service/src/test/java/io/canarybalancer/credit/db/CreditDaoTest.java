package io.canarybalancer.credit.db;

import com.codahale.metrics.MetricRegistry;
import io.canarybalancer.credit.CreditServiceApplication;
import io.canarybalancer.credit.core.Charge;
import io.canarybalancer.credit.core.ChargeResult;
import io.canarybalancer.credit.core.CreditRules;
import io.canarybalancer.credit.core.RefundResult;
import io.canarybalancer.replica.db.DatabaseBundle;
import io.canarybalancer.testsupport.Concurrently;
import io.canarybalancer.testsupport.TestDatabase;
import io.canarybalancer.testsupport.TestDatabases;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The ledger's rules on H2 and on a real PostgreSQL, one migrated database of each, emptied per test. */
class CreditDaoTest {

    private static final Map<String, Jdbi> DATABASES = new HashMap<>();
    private static final long NOW = 1_700_000_000_000L;

    private static synchronized CreditDao dao(String kind) throws Exception {
        Jdbi jdbi = DATABASES.get(kind);
        if (jdbi == null) {
            TestDatabase database = TestDatabases.of(kind);
            DatabaseBundle.migrate(database.dataSourceFactory(), new MetricRegistry(), CreditServiceApplication.CHANGELOG);
            jdbi = database.jdbi();
            DATABASES.put(kind, jdbi);
        }
        jdbi.useHandle(handle -> {
            handle.execute("DELETE FROM credit_charge");
            handle.execute("DELETE FROM credit_tombstone");
            handle.execute("UPDATE credit_balance SET amount = 0");
        });
        return jdbi.onDemand(CreditDao.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void topUpsAddUp(String kind) throws Exception {
        CreditDao credit = dao(kind);

        credit.topUp(5, NOW);
        credit.topUp(7, NOW);

        assertThat(credit.balance()).isEqualTo(12);
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void topUpThatWouldPassTheMaximumChangesNothing(String kind) throws Exception {
        CreditDao credit = dao(kind);
        credit.topUp(10, NOW);

        assertThat(credit.topUp(CreditRules.MAX_BALANCE, NOW).applied()).isFalse();
        assertThat(credit.balance()).isEqualTo(10);
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void chargeTakesTheCostOnceAndRecordsIt(String kind) throws Exception {
        CreditDao credit = dao(kind);
        credit.topUp(3, NOW);

        ChargeResult first = credit.charge("m-1", 1, NOW);
        ChargeResult again = credit.charge("m-1", 1, NOW + 5);

        assertThat(first.outcome()).isEqualTo(ChargeResult.Outcome.CHARGED);
        assertThat(first.balance()).isEqualTo(2);
        assertThat(again.outcome()).isEqualTo(ChargeResult.Outcome.ALREADY_CHARGED);
        assertThat(again.charge()).contains(new Charge("m-1", 1, Instant.ofEpochMilli(NOW), java.util.Optional.empty()));
        assertThat(credit.balance()).isEqualTo(2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void insufficientCreditTakesNothingAndRecordsNothing(String kind) throws Exception {
        CreditDao credit = dao(kind);

        ChargeResult result = credit.charge("m-1", 1, NOW);

        assertThat(result.outcome()).isEqualTo(ChargeResult.Outcome.INSUFFICIENT_CREDIT);
        assertThat(result.charge()).isEmpty();
        assertThat(credit.findCharge("m-1")).isEmpty();
        assertThat(credit.balance()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void refundGivesTheCreditBackOnce(String kind) throws Exception {
        CreditDao credit = dao(kind);
        credit.topUp(1, NOW);
        credit.charge("m-1", 1, NOW);

        RefundResult first = credit.refund("m-1", NOW + 1);
        RefundResult again = credit.refund("m-1", NOW + 2);

        assertThat(first.outcome()).isEqualTo(RefundResult.Outcome.REFUNDED);
        assertThat(again.outcome()).isEqualTo(RefundResult.Outcome.ALREADY_REFUNDED);
        assertThat(credit.balance()).isEqualTo(1);
        assertThat(credit.findCharge("m-1").orElseThrow().refundedAt()).contains(Instant.ofEpochMilli(NOW + 1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void refundWithoutAChargeChangesNothing(String kind) throws Exception {
        CreditDao credit = dao(kind);
        credit.topUp(4, NOW);

        RefundResult result = credit.refund("never-charged", NOW);

        assertThat(result.outcome()).isEqualTo(RefundResult.Outcome.NO_CHARGE);
        assertThat(credit.balance()).isEqualTo(4);
        assertThat(credit.findCharge("never-charged")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void aRefundedMessageIsNeverChargedAgain(String kind) throws Exception {
        CreditDao credit = dao(kind);
        credit.topUp(2, NOW);
        credit.charge("m-1", 1, NOW);
        credit.refund("m-1", NOW);

        ChargeResult result = credit.charge("m-1", 1, NOW);

        assertThat(result.outcome()).isEqualTo(ChargeResult.Outcome.ALREADY_CHARGED);
        assertThat(credit.balance()).isEqualTo(2);
    }

    /**
     * The refund of a charge held up elsewhere (behind the lock, in a slow replica) commits first: the late
     * charge must not take the credit, or the message ends ERROR with its user charged anyway.
     */
    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void aRefundThatFindsNoChargeBarsALaterChargeOfTheMessage(String kind) throws Exception {
        CreditDao credit = dao(kind);
        credit.topUp(3, NOW);

        RefundResult early = credit.refund("m-late", NOW);
        ChargeResult late = credit.charge("m-late", 1, NOW + 1);

        assertThat(early.outcome()).isEqualTo(RefundResult.Outcome.NO_CHARGE);
        assertThat(late.outcome()).isEqualTo(ChargeResult.Outcome.CANCELLED);
        assertThat(late.charge()).isEmpty();
        assertThat(credit.findCharge("m-late")).isEmpty();
        assertThat(credit.balance()).isEqualTo(3);
        // Both stay as they were when repeated.
        assertThat(credit.charge("m-late", 1, NOW + 2).outcome()).isEqualTo(ChargeResult.Outcome.CANCELLED);
        assertThat(credit.refund("m-late", NOW + 3).outcome()).isEqualTo(RefundResult.Outcome.NO_CHARGE);
        assertThat(credit.balance()).isEqualTo(3);
        // Other messages are charged as usual.
        assertThat(credit.charge("m-other", 1, NOW).outcome()).isEqualTo(ChargeResult.Outcome.CHARGED);
        assertThat(credit.balance()).isEqualTo(2);
    }

    /**
     * The charge and the refund of each of 200 messages race from 8 threads through two connection pools,
     * in either order: whichever commits first, no message ends with a standing charge, so the balance
     * comes back whole.
     */
    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void racingChargeAndRefundOfAMessageNeverLeaveItCharged(String kind) throws Exception {
        CreditDao credit = dao(kind);
        CreditDao otherInstance = DATABASES.get(kind).onDemand(CreditDao.class);
        credit.topUp(1000, NOW);
        List<Callable<Object>> requests = new ArrayList<>();
        Map<String, ChargeResult.Outcome> charges = new ConcurrentHashMap<>();
        Map<String, RefundResult.Outcome> refunds = new ConcurrentHashMap<>();
        for (int i = 0; i < 200; i++) {
            String id = "race-" + i;
            requests.add(() -> charges.put(id, credit.charge(id, 1, NOW).outcome()));
            requests.add(() -> refunds.put(id, otherInstance.refund(id, NOW).outcome()));
        }
        java.util.Collections.shuffle(requests, new java.util.Random(20261206L));
        Concurrently.run(8, requests, Duration.ofSeconds(120));

        assertThat(credit.countStandingCharges()).isZero();
        assertThat(credit.balance()).isEqualTo(1000);
        charges.forEach((id, outcome) -> {
            if (outcome == ChargeResult.Outcome.CHARGED) {
                assertThat(refunds.get(id)).as(id).isEqualTo(RefundResult.Outcome.REFUNDED);
            } else {
                assertThat(outcome).as(id).isEqualTo(ChargeResult.Outcome.CANCELLED);
                assertThat(refunds.get(id)).as(id).isEqualTo(RefundResult.Outcome.NO_CHARGE);
            }
        });
    }

    /**
     * Acceptance 1 at the DAO level: 500 charges, some message ids repeated, from 8 threads through two
     * separate connection pools (as two service instances would), against a balance of 300.
     */
    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void concurrentChargesNeverOverdrawNorChargeAMessageTwice(String kind) throws Exception {
        CreditDao credit = dao(kind);
        CreditDao otherInstance = DATABASES.get(kind).onDemand(CreditDao.class);
        credit.topUp(300, NOW);
        List<String> requests = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            // Every fifth request repeats the message id of the request before it.
            requests.add("m-" + (i % 5 == 4 ? i - 1 : i));
        }
        Map<ChargeResult.Outcome, AtomicInteger> outcomes = new ConcurrentHashMap<>();
        AtomicBoolean sawNegative = new AtomicBoolean();
        AtomicBoolean done = new AtomicBoolean();
        Thread watcher = new Thread(() -> {
            while (!done.get()) {
                if (credit.balance() < 0) {
                    sawNegative.set(true);
                }
            }
        });
        watcher.start();
        List<Callable<Void>> tasks = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int thread = t;
            tasks.add(() -> {
                for (int i = thread; i < requests.size(); i += 8) {
                    CreditDao instance = i % 2 == 0 ? credit : otherInstance;
                    ChargeResult result = instance.charge(requests.get(i), 1, NOW);
                    outcomes.computeIfAbsent(result.outcome(), o -> new AtomicInteger()).incrementAndGet();
                }
                return null;
            });
        }
        Concurrently.run(8, tasks, Duration.ofSeconds(60));
        done.set(true);
        watcher.join();

        assertThat(outcomes.get(ChargeResult.Outcome.CHARGED)).hasValue(300);
        assertThat(credit.balance()).isZero();
        assertThat(credit.countStandingCharges()).isEqualTo(300);
        assertThat(sawNegative).isFalse();
        int repeatsOfCharged = (int) requests.stream().distinct()
                .filter(id -> credit.findCharge(id).isPresent())
                .mapToLong(id -> requests.stream().filter(id::equals).count() - 1)
                .sum();
        // A repeat of a charged message finds the first charge; it is never charged again.
        assertThat(outcomes.get(ChargeResult.Outcome.ALREADY_CHARGED).get()).isGreaterThanOrEqualTo(repeatsOfCharged);
        assertThat(outcomes.values().stream().mapToInt(AtomicInteger::get).sum()).isEqualTo(500);
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void concurrentRefundsOfOneChargeGiveTheCreditBackOnce(String kind) throws Exception {
        CreditDao credit = dao(kind);
        credit.topUp(1, NOW);
        credit.charge("m-1", 1, NOW);
        List<Callable<RefundResult>> tasks = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            tasks.add(() -> credit.refund("m-1", NOW));
        }
        int refunded = 0;
        for (RefundResult result : Concurrently.run(8, tasks, Duration.ofSeconds(30))) {
            if (result.outcome() == RefundResult.Outcome.REFUNDED) {
                refunded++;
            }
        }

        assertThat(refunded).isEqualTo(1);
        assertThat(credit.balance()).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void topUpsDuringChargesAreKept(String kind) throws Exception {
        CreditDao credit = dao(kind);
        credit.topUp(100, NOW);
        List<Callable<Void>> tasks = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            int thread = t;
            tasks.add(() -> {
                for (int i = 0; i < 50; i++) {
                    credit.charge("t" + thread + "-" + i, 1, NOW);
                }
                return null;
            });
            tasks.add(() -> {
                for (int i = 0; i < 50; i++) {
                    credit.topUp(2, NOW);
                }
                return null;
            });
        }
        Concurrently.run(4, tasks, Duration.ofSeconds(60));

        // 100 + 2 x 50 x 2 topped up, 100 charged.
        assertThat(credit.balance()).isEqualTo(200);
        assertThat(credit.countStandingCharges()).isEqualTo(100);
    }
}
