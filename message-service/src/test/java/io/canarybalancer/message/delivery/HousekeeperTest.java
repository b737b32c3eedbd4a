package io.canarybalancer.message.delivery;

import com.codahale.metrics.MetricRegistry;
import io.canarybalancer.message.MessageServiceApplication;
import io.canarybalancer.message.core.ChargeState;
import io.canarybalancer.message.core.Claim;
import io.canarybalancer.message.core.MessageStatus;
import io.canarybalancer.message.db.MessageDao;
import io.canarybalancer.replica.db.DatabaseBundle;
import io.canarybalancer.testsupport.TestDatabase;
import io.canarybalancer.testsupport.TestDatabases;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

class HousekeeperTest {

    private static final long THEN = 1_700_000_000_000L;
    private static final Duration CLAIM_TIMEOUT = Duration.ofSeconds(60);
    private static Jdbi jdbi;

    private final Fakes.Credit credit = new Fakes.Credit();
    private final Fakes.Provider provider = new Fakes.Provider();
    private MessageDao messages;

    @BeforeAll
    static void database() throws Exception {
        TestDatabase database = TestDatabases.h2();
        DatabaseBundle.migrate(database.dataSourceFactory(), new MetricRegistry(), MessageServiceApplication.CHANGELOG);
        jdbi = database.jdbi();
    }

    @BeforeEach
    void emptyQueue() {
        jdbi.useHandle(handle -> handle.execute("DELETE FROM message"));
        messages = jdbi.onDemand(MessageDao.class);
    }

    private Housekeeper housekeeperAt(long now) {
        Clock clock = Clock.fixed(Instant.ofEpochMilli(now), ZoneOffset.UTC);
        Delivery delivery = new Delivery(messages, credit, provider, clock, 3, Duration.ofSeconds(1));
        return new Housekeeper(messages, delivery, clock, CLAIM_TIMEOUT, Duration.ofSeconds(5));
    }

    @Test
    void claimsOfStoppedWorkersAreRequeuedOrEndedOnlyOnceStale() {
        messages.insert("claimed", "d", "b", THEN);
        messages.insert("sending", "d", "b", THEN);
        messages.claimNext("gone", THEN, 1).orElseThrow();
        Claim sending = messages.claimNext("gone", THEN, 1).orElseThrow();
        messages.startSending(sending.messageId(), sending.token(), THEN);

        housekeeperAt(THEN + CLAIM_TIMEOUT.toMillis()).run();
        assertThat(messages.countByStatus()).containsEntry("CLAIMED", 1L).containsEntry("SENDING", 1L);

        housekeeperAt(THEN + CLAIM_TIMEOUT.toMillis() + 1).run();
        String claimedId = sending.messageId().equals("claimed") ? "sending" : "claimed";
        assertThat(messages.find(claimedId).orElseThrow().status()).isEqualTo(MessageStatus.QUEUED);
        assertThat(messages.find(sending.messageId()).orElseThrow().status()).isEqualTo(MessageStatus.TIMEOUT);
        assertThat(provider.sent).isEmpty();
    }

    @Test
    void owedRefundsAreAskedForAgainUntilSettled() {
        messages.insert("a", "d", "b", THEN);
        Claim claim = messages.claimNext("w", THEN, 1).orElseThrow();
        messages.markCharged("a", claim.token(), THEN);
        messages.startSending("a", claim.token(), THEN);
        messages.finish("a", claim.token(), MessageStatus.SENDING, MessageStatus.ERROR, "500",
                ChargeState.REFUND_PENDING, THEN);
        credit.refunds(CreditClient.RefundAnswer.Kind.UNAVAILABLE, CreditClient.RefundAnswer.Kind.REFUNDED);

        housekeeperAt(THEN + 10_000).run();
        assertThat(messages.find("a").orElseThrow().chargeState()).isEqualTo(ChargeState.REFUND_PENDING);

        housekeeperAt(THEN + 20_000).run();
        assertThat(messages.find("a").orElseThrow().chargeState()).isEqualTo(ChargeState.REFUNDED);
        assertThat(credit.refunded).containsExactly("a", "a");
    }

    @Test
    void aFreshlyOwedRefundIsLeftToTheWorkerThatOwesIt() {
        messages.insert("a", "d", "b", THEN);
        Claim claim = messages.claimNext("w", THEN, 1).orElseThrow();
        messages.finish("a", claim.token(), MessageStatus.CLAIMED, MessageStatus.ERROR, "x",
                ChargeState.REFUND_PENDING, THEN);

        housekeeperAt(THEN + 1_000).run();

        assertThat(credit.refunded).isEmpty();
    }
}
