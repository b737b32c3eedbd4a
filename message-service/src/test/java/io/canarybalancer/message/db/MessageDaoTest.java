package io.canarybalancer.message.db;

import com.codahale.metrics.MetricRegistry;
import io.canarybalancer.message.MessageServiceApplication;
import io.canarybalancer.message.core.ChargeState;
import io.canarybalancer.message.core.Claim;
import io.canarybalancer.message.core.Message;
import io.canarybalancer.message.core.MessageStatus;
import io.canarybalancer.replica.db.DatabaseBundle;
import io.canarybalancer.testsupport.Concurrently;
import io.canarybalancer.testsupport.TestDatabase;
import io.canarybalancer.testsupport.TestDatabases;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The queue's rules on H2 and on a real PostgreSQL, one migrated database of each, emptied per test. */
class MessageDaoTest {

    private static final Map<String, Jdbi> DATABASES = new HashMap<>();
    private static final long NOW = 1_700_000_000_000L;

    private static synchronized MessageDao dao(String kind) throws Exception {
        Jdbi jdbi = DATABASES.get(kind);
        if (jdbi == null) {
            TestDatabase database = TestDatabases.of(kind);
            DatabaseBundle.migrate(database.dataSourceFactory(), new MetricRegistry(), MessageServiceApplication.CHANGELOG);
            jdbi = database.jdbi();
            DATABASES.put(kind, jdbi);
        }
        jdbi.useHandle(handle -> handle.execute("DELETE FROM message"));
        return jdbi.onDemand(MessageDao.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void insertedMessageIsQueuedAndFound(String kind) throws Exception {
        MessageDao messages = dao(kind);

        messages.insert("a", "+34600000000", "hello", NOW);

        Message message = messages.find("a").orElseThrow();
        assertThat(message.status()).isEqualTo(MessageStatus.QUEUED);
        assertThat(message.chargeState()).isEqualTo(ChargeState.NONE);
        assertThat(message.destination()).isEqualTo("+34600000000");
        assertThat(message.body()).isEqualTo("hello");
        assertThat(message.attempts()).isZero();
        assertThat(messages.find("unknown")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void pagesInInsertionOrderAndByStatus(String kind) throws Exception {
        MessageDao messages = dao(kind);
        for (int i = 0; i < 5; i++) {
            messages.insert("m" + i, "d", "b", NOW);
        }
        Claim claim = messages.claimNext("w", NOW, 1).orElseThrow();

        List<Message> first = messages.page(0, 3);
        List<Message> second = messages.page(first.get(2).seq(), 3);

        assertThat(first).extracting(Message::id).containsExactly("m0", "m1", "m2");
        assertThat(second).extracting(Message::id).containsExactly("m3", "m4");
        assertThat(messages.pageWithStatus(0, 10, List.of("CLAIMED"))).extracting(Message::id)
                .containsExactly(claim.messageId());
        assertThat(messages.pageWithStatus(0, 10, List.of("QUEUED"))).hasSize(4);
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void aClaimTakesAQueuedDueMessageOnce(String kind) throws Exception {
        MessageDao messages = dao(kind);
        messages.insert("a", "d", "b", NOW);

        Optional<Claim> first = messages.claimNext("w1", NOW, 4);
        Optional<Claim> second = messages.claimNext("w2", NOW, 4);

        assertThat(first).isPresent();
        assertThat(first.get().attempts()).isEqualTo(1);
        assertThat(second).isEmpty();
        assertThat(messages.find("a").orElseThrow().status()).isEqualTo(MessageStatus.CLAIMED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void everyMessageIsClaimedByExactlyOneOfManyConcurrentWorkers(String kind) throws Exception {
        MessageDao messages = dao(kind);
        for (int i = 0; i < 200; i++) {
            messages.insert("m" + i, "d", "b", NOW);
        }
        MessageDao otherReplica = DATABASES.get(kind).onDemand(MessageDao.class);
        Map<String, AtomicInteger> claims = new ConcurrentHashMap<>();
        List<Callable<Void>> tasks = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            MessageDao dao = t % 2 == 0 ? messages : otherReplica;
            String worker = "w" + t;
            tasks.add(() -> {
                Optional<Claim> claim;
                while ((claim = dao.claimNext(worker, NOW, 8)).isPresent() || !dao.dueIds(NOW, 1).isEmpty()) {
                    claim.ifPresent(c -> claims.computeIfAbsent(c.messageId(), id -> new AtomicInteger()).incrementAndGet());
                }
                return null;
            });
        }
        Concurrently.run(8, tasks, Duration.ofSeconds(60));

        assertThat(claims).hasSize(200);
        assertThat(claims.values()).allSatisfy(count -> assertThat(count).hasValue(1));
        assertThat(messages.countByStatus()).containsExactly(Map.entry("CLAIMED", 200L));
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void transitionsNeedTheCurrentClaimsToken(String kind) throws Exception {
        MessageDao messages = dao(kind);
        messages.insert("a", "d", "b", NOW);
        Claim claim = messages.claimNext("w", NOW, 1).orElseThrow();

        assertThat(messages.markCharged("a", "not-the-token", NOW)).isZero();
        assertThat(messages.startSending("a", "not-the-token", NOW)).isZero();
        assertThat(messages.markCharged("a", claim.token(), NOW)).isEqualTo(1);
        assertThat(messages.startSending("a", claim.token(), NOW)).isEqualTo(1);
        // SENDING is past the point where a message may go back to the queue.
        assertThat(messages.requeue("a", claim.token(), "x", NOW, NOW)).isZero();
        assertThat(messages.finish("a", claim.token(), MessageStatus.SENDING, MessageStatus.OK, null,
                ChargeState.CHARGED, NOW)).isEqualTo(1);
        assertThat(messages.finish("a", claim.token(), MessageStatus.SENDING, MessageStatus.ERROR, "late",
                ChargeState.REFUND_PENDING, NOW)).isZero();

        Message message = messages.find("a").orElseThrow();
        assertThat(message.status()).isEqualTo(MessageStatus.OK);
        assertThat(message.chargeState()).isEqualTo(ChargeState.CHARGED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void aRequeuedMessageWaitsUntilItIsDueAndIsClaimedAgain(String kind) throws Exception {
        MessageDao messages = dao(kind);
        messages.insert("a", "d", "b", NOW);
        Claim first = messages.claimNext("w", NOW, 1).orElseThrow();

        assertThat(messages.requeue("a", first.token(), "credit service unavailable", NOW + 1000, NOW)).isEqualTo(1);

        assertThat(messages.claimNext("w", NOW + 999, 1)).isEmpty();
        Claim second = messages.claimNext("w", NOW + 1000, 1).orElseThrow();
        assertThat(second.attempts()).isEqualTo(2);
        assertThat(second.token()).isNotEqualTo(first.token());
        assertThat(messages.markCharged("a", first.token(), NOW)).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void staleClaimsGoBackToTheQueueAndStaleSendsEndTimeout(String kind) throws Exception {
        MessageDao messages = dao(kind);
        messages.insert("claimed", "d", "b", NOW);
        messages.insert("sending", "d", "b", NOW);
        messages.insert("fresh", "d", "b", NOW);
        Claim claimed = messages.claimNext("w", NOW, 1).orElseThrow();
        Claim sending = messages.claimNext("w", NOW, 1).orElseThrow();
        messages.startSending(sending.messageId(), sending.token(), NOW);
        messages.claimNext("w", NOW + 50_000, 1).orElseThrow();

        int requeued = messages.requeueStaleClaims(NOW + 1, NOW + 60_000);
        int timedOut = messages.timeOutStaleSends(NOW + 1, NOW + 60_000);

        assertThat(requeued).isEqualTo(1);
        assertThat(timedOut).isEqualTo(1);
        assertThat(messages.find(claimed.messageId()).orElseThrow().status()).isEqualTo(MessageStatus.QUEUED);
        Message stale = messages.find(sending.messageId()).orElseThrow();
        assertThat(stale.status()).isEqualTo(MessageStatus.TIMEOUT);
        assertThat(stale.reason()).startsWith("unconfirmed");
        assertThat(messages.find("fresh").orElseThrow().status()).isEqualTo(MessageStatus.CLAIMED);
        // The old worker, should it wake up, can no longer touch either message.
        assertThat(messages.startSending(claimed.messageId(), claimed.token(), NOW)).isZero();
        assertThat(messages.finish(sending.messageId(), sending.token(), MessageStatus.SENDING, MessageStatus.OK,
                null, ChargeState.CHARGED, NOW)).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void owedRefundsAreListedUntilSettled(String kind) throws Exception {
        MessageDao messages = dao(kind);
        messages.insert("a", "d", "b", NOW);
        Claim claim = messages.claimNext("w", NOW, 1).orElseThrow();
        messages.markCharged("a", claim.token(), NOW);
        messages.startSending("a", claim.token(), NOW);
        messages.finish("a", claim.token(), MessageStatus.SENDING, MessageStatus.ERROR, "the provider answered 500",
                ChargeState.REFUND_PENDING, NOW);

        assertThat(messages.refundsOwed(NOW + 1, 10)).containsExactly("a");
        assertThat(messages.refundsOwed(NOW, 10)).isEmpty();
        assertThat(messages.countRefundsOwed()).isEqualTo(1);

        assertThat(messages.settleRefund("a", ChargeState.REFUNDED, NOW)).isEqualTo(1);
        assertThat(messages.settleRefund("a", ChargeState.NONE, NOW)).isZero();
        assertThat(messages.refundsOwed(NOW + 1, 10)).isEmpty();
        assertThat(messages.find("a").orElseThrow().chargeState()).isEqualTo(ChargeState.REFUNDED);
    }
}
