package io.canarybalancer.message.delivery;

import com.codahale.metrics.MetricRegistry;
import io.canarybalancer.message.MessageServiceApplication;
import io.canarybalancer.message.core.ChargeState;
import io.canarybalancer.message.core.Claim;
import io.canarybalancer.message.core.Message;
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

import static io.canarybalancer.message.delivery.CreditClient.ChargeAnswer.Kind.CHARGED;
import static io.canarybalancer.message.delivery.CreditClient.ChargeAnswer.Kind.NO_CREDIT;
import static io.canarybalancer.message.delivery.CreditClient.ChargeAnswer.Kind.UNAVAILABLE;
import static org.assertj.core.api.Assertions.assertThat;

/** One message's way through charge, send and settle, on H2, with scripted credit and provider. */
class DeliveryTest {

    private static final long NOW = 1_700_000_000_000L;
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC);
    private static Jdbi jdbi;

    private final Fakes.Credit credit = new Fakes.Credit();
    private final Fakes.Provider provider = new Fakes.Provider();
    private MessageDao messages;
    private Delivery delivery;

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
        delivery = new Delivery(messages, credit, provider, CLOCK, 3, Duration.ofSeconds(1));
    }

    private Claim queueAndClaim(String id) {
        messages.insert(id, "+34600000000", "hello", NOW);
        return messages.claimNext("test", NOW, 1).orElseThrow();
    }

    private Message message(String id) {
        return messages.find(id).orElseThrow();
    }

    @Test
    void deliveredMessageIsOkAndStaysCharged() {
        delivery.deliver(queueAndClaim("a"));

        assertThat(message("a").status()).isEqualTo(MessageStatus.OK);
        assertThat(message("a").chargeState()).isEqualTo(ChargeState.CHARGED);
        assertThat(credit.charged).containsExactly("a");
        assertThat(provider.sent).containsExactly("a");
        assertThat(credit.refunded).isEmpty();
    }

    @Test
    void noCreditEndsErrorWithTheReasonAndSendsNothing() {
        credit.charges(NO_CREDIT);

        delivery.deliver(queueAndClaim("a"));

        assertThat(message("a").status()).isEqualTo(MessageStatus.ERROR);
        assertThat(message("a").reason()).isEqualTo("insufficient credit: the balance is 0");
        assertThat(message("a").chargeState()).isEqualTo(ChargeState.NONE);
        assertThat(provider.sent).isEmpty();
        assertThat(credit.refunded).isEmpty();
    }

    @Test
    void aChargeCancelledByAnEarlierRefundEndsErrorUnchargedAndSendsNothing() {
        credit.charges.clear();
        credit.charges.add(new CreditClient.ChargeAnswer(CreditClient.ChargeAnswer.Kind.CANCELLED,
                "message a was refunded before it was charged: it can never be charged"));

        delivery.deliver(queueAndClaim("a"));

        assertThat(message("a").status()).isEqualTo(MessageStatus.ERROR);
        assertThat(message("a").reason()).isEqualTo("message a was refunded before it was charged: it can never be charged");
        assertThat(message("a").chargeState()).isEqualTo(ChargeState.NONE);
        assertThat(provider.sent).isEmpty();
        assertThat(credit.refunded).isEmpty();
    }

    @Test
    void rejectedMessageIsErrorAndRefunded() {
        provider.answers(ProviderClient.SendAnswer.Kind.REJECTED, "the provider answered 500");

        delivery.deliver(queueAndClaim("a"));

        assertThat(message("a").status()).isEqualTo(MessageStatus.ERROR);
        assertThat(message("a").reason()).isEqualTo("the provider answered 500");
        assertThat(message("a").chargeState()).isEqualTo(ChargeState.REFUNDED);
        assertThat(credit.refunded).containsExactly("a");
    }

    @Test
    void unconfirmedMessageIsTimeoutAndKeepsItsCharge() {
        provider.answers(ProviderClient.SendAnswer.Kind.UNCONFIRMED, "the provider did not answer within 300 ms");

        delivery.deliver(queueAndClaim("a"));

        assertThat(message("a").status()).isEqualTo(MessageStatus.TIMEOUT);
        assertThat(message("a").reason()).contains("did not answer");
        assertThat(message("a").chargeState()).isEqualTo(ChargeState.CHARGED);
        assertThat(credit.refunded).isEmpty();
    }

    @Test
    void creditUnavailableRequeuesWithADelayAndSendsNothing() {
        credit.charges(UNAVAILABLE);

        delivery.deliver(queueAndClaim("a"));

        Message message = message("a");
        assertThat(message.status()).isEqualTo(MessageStatus.QUEUED);
        assertThat(message.reason()).startsWith("credit service unavailable");
        assertThat(messages.claimNext("test", NOW, 1)).isEmpty();
        assertThat(messages.claimNext("test", NOW + 1000, 1)).isPresent();
        assertThat(provider.sent).isEmpty();
    }

    @Test
    void aRetriedMessageIsDeliveredOnceTheCreditServiceAnswers() {
        credit.charges(UNAVAILABLE, CHARGED);
        delivery.deliver(queueAndClaim("a"));

        delivery.deliver(messages.claimNext("test", NOW + 1000, 1).orElseThrow());

        assertThat(message("a").status()).isEqualTo(MessageStatus.OK);
        assertThat(message("a").attempts()).isEqualTo(2);
        assertThat(provider.sent).containsExactly("a");
    }

    @Test
    void creditUnavailableOnTheLastAttemptEndsErrorAndAsksForARefund() {
        credit.charges(UNAVAILABLE).refunds(CreditClient.RefundAnswer.Kind.NOTHING_CHARGED);
        delivery.deliver(queueAndClaim("a"));
        delivery.deliver(messages.claimNext("test", NOW + 1_000, 1).orElseThrow());

        delivery.deliver(messages.claimNext("test", NOW + 2_000, 1).orElseThrow());

        Message message = message("a");
        assertThat(message.status()).isEqualTo(MessageStatus.ERROR);
        assertThat(message.reason()).startsWith("credit service unavailable after 3 attempts");
        assertThat(message.chargeState()).isEqualTo(ChargeState.NONE);
        assertThat(credit.refunded).containsExactly("a");
        assertThat(provider.sent).isEmpty();
    }

    @Test
    void aRefundTheCreditServiceCannotTakeNowStaysOwed() {
        provider.answers(ProviderClient.SendAnswer.Kind.REJECTED, "the provider answered 500");
        credit.refunds(CreditClient.RefundAnswer.Kind.UNAVAILABLE);

        delivery.deliver(queueAndClaim("a"));

        assertThat(message("a").chargeState()).isEqualTo(ChargeState.REFUND_PENDING);
        assertThat(messages.refundsOwed(NOW + 1, 10)).containsExactly("a");
    }

    @Test
    void aReclaimedMessageIsNotSentByItsFormerWorker() {
        Claim stale = queueAndClaim("a");
        messages.requeueStaleClaims(NOW + 1, NOW);
        Claim current = messages.claimNext("other", NOW, 1).orElseThrow();

        delivery.deliver(stale);

        assertThat(provider.sent).isEmpty();
        assertThat(message("a").status()).isEqualTo(MessageStatus.CLAIMED);
        delivery.deliver(current);
        assertThat(provider.sent).containsExactly("a");
        assertThat(message("a").status()).isEqualTo(MessageStatus.OK);
    }
}
