package io.canarybalancer.message;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.canarybalancer.credit.CreditServiceConfiguration;
import io.canarybalancer.message.cli.ProviderSimulator;
import io.canarybalancer.message.core.ChargeState;
import io.canarybalancer.message.core.Message;
import io.canarybalancer.message.core.MessageStatus;
import io.canarybalancer.message.db.MessageDao;
import io.canarybalancer.testsupport.Concurrently;
import io.canarybalancer.testsupport.Http;
import io.canarybalancer.testsupport.TestDatabase;
import io.canarybalancer.testsupport.TestDatabases;
import io.dropwizard.testing.DropwizardTestSupport;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * End to end over real HTTP on 127.0.0.1: message service instances sharing one queue, a credit service,
 * and the provider simulator failing and stalling at random.
 */
class MessageDeliveryIT {

    private static final Duration DEADLINE = Duration.ofSeconds(120);

    private final Http http = new Http();
    private final ObjectMapper json = new ObjectMapper();
    private final List<DropwizardTestSupport<?>> services = new ArrayList<>();
    private ProviderSimulator provider;

    @AfterEach
    void stopEverything() {
        for (int i = services.size() - 1; i >= 0; i--) {
            services.get(i).after();
        }
        if (provider != null) {
            provider.close();
        }
    }

    /** Acceptance 2. */
    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void thousandMessagesThroughTwoReplicasEndTerminalOnceDeliveredAndChargedByThePolicy(String kind) throws Exception {
        provider = ProviderSimulator.start(new ProviderSimulator.Settings("127.0.0.1", 0, 0.1, 0.05,
                Duration.ofSeconds(2), 20261128L, 64));
        TestDatabase creditDatabase = TestDatabases.of(kind);
        DropwizardTestSupport<CreditServiceConfiguration> credit = track(MessageServiceFixture.startedCredit(creditDatabase));
        URI creditUrl = URI.create("http://127.0.0.1:" + credit.getLocalPort());
        assertThat(send(creditUrl, "POST", "/credit", "{\"amount\": 1000}").statusCode()).isEqualTo(200);
        TestDatabase messageDatabase = TestDatabases.of(kind);
        List<URI> replicas = List.of(startMessageService(messageDatabase, creditUrl, 4),
                startMessageService(messageDatabase, creditUrl, 4));

        List<String> ids = postMessages(replicas, 1000);

        MessageDao messages = jdbi(messageDatabase).onDemand(MessageDao.class);
        await("all terminal, no refund owed").atMost(DEADLINE)
                .until(() -> terminal(messages) == 1000 && messages.countRefundsOwed() == 0);

        Map<String, Message> byId = new HashMap<>();
        for (String id : ids) {
            byId.put(id, messages.find(id).orElseThrow());
        }
        Map<String, List<ProviderSimulator.Answer>> received = provider.answers();
        // None delivered twice: the provider saw each message at most once.
        assertThat(provider.duplicates()).isEmpty();
        // Each final status agrees with what the provider did. OK: it accepted the message in time. TIMEOUT:
        // it got the message (normally a stalled one; a slow machine can also make an OK answer late).
        // ERROR: it refused the message, or never got it (a connection that failed under load).
        byId.forEach((id, message) -> {
            List<ProviderSimulator.Answer> answers = received.getOrDefault(id, List.of());
            switch (message.status()) {
                case OK -> assertThat(answers).as(id).containsExactly(ProviderSimulator.Answer.OK);
                case TIMEOUT -> assertThat(answers).as(id).hasSize(1);
                case ERROR -> assertThat(answers).as(id).isSubsetOf(ProviderSimulator.Answer.ERROR).hasSizeLessThan(2);
                default -> throw new AssertionError(id + " is " + message.status());
            }
        });
        assertThat(byId.values().stream().filter(m -> m.status() == MessageStatus.TIMEOUT).map(Message::id)
                .filter(id -> received.get(id).get(0) == ProviderSimulator.Answer.LATE).count())
                .as("stalled messages that ended TIMEOUT").isPositive();
        long ok = count(byId, MessageStatus.OK);
        long timedOut = count(byId, MessageStatus.TIMEOUT);
        long failed = count(byId, MessageStatus.ERROR);
        assertThat(ok).isPositive();
        assertThat(timedOut).isPositive();
        assertThat(failed).isPositive();

        // The policy: OK and TIMEOUT keep their one charge, ERROR is refunded.
        long balance = json.readTree(send(creditUrl, "GET", "/credit", null).body()).get("credit").asLong();
        assertThat(1000 - balance).isEqualTo(ok + timedOut);
        Map<String, Boolean> refundedByCharge = jdbi(creditDatabase).withHandle(handle -> handle
                .createQuery("SELECT message_id, refunded_at IS NOT NULL AS refunded FROM credit_charge")
                .reduceRows(new HashMap<>(), (map, row) -> {
                    map.put(row.getColumn("message_id", String.class), row.getColumn("refunded", Boolean.class));
                    return map;
                }));
        assertThat(refundedByCharge).hasSize(1000);
        byId.forEach((id, message) -> {
            assertThat(refundedByCharge.get(id)).as(id).isEqualTo(message.status() == MessageStatus.ERROR);
            assertThat(message.chargeState()).as(id)
                    .isEqualTo(message.status() == MessageStatus.ERROR ? ChargeState.REFUNDED : ChargeState.CHARGED);
        });
    }

    @Test
    void withoutCreditMessagesEndErrorWithTheReasonAndAreNeverSent() throws Exception {
        provider = ProviderSimulator.start(new ProviderSimulator.Settings("127.0.0.1", 0, 0, 0, Duration.ZERO, 1, 4));
        TestDatabase creditDatabase = TestDatabases.h2();
        DropwizardTestSupport<CreditServiceConfiguration> credit = track(MessageServiceFixture.startedCredit(creditDatabase));
        URI creditUrl = URI.create("http://127.0.0.1:" + credit.getLocalPort());
        TestDatabase messageDatabase = TestDatabases.h2();
        URI replica = startMessageService(messageDatabase, creditUrl, 2);

        List<String> ids = postMessages(List.of(replica), 5);

        MessageDao messages = jdbi(messageDatabase).onDemand(MessageDao.class);
        await().atMost(DEADLINE).until(() -> terminal(messages) == 5);
        for (String id : ids) {
            var status = json.readTree(send(replica, "GET", "/messages/" + id + "/status", null).body());
            assertThat(status.get("status").asText()).isEqualTo("ERROR");
            assertThat(status.get("reason").asText()).startsWith("insufficient credit");
        }
        assertThat(provider.received()).isZero();
        assertThat(json.readTree(send(creditUrl, "GET", "/credit", null).body()).get("credit").asLong()).isZero();
    }

    @Test
    void queuedMessagesSurviveARestartAndAreDeliveredByTheNextReplica() throws Exception {
        provider = ProviderSimulator.start(new ProviderSimulator.Settings("127.0.0.1", 0, 0, 0, Duration.ZERO, 1, 4));
        TestDatabase creditDatabase = TestDatabases.h2();
        DropwizardTestSupport<CreditServiceConfiguration> credit = track(MessageServiceFixture.startedCredit(creditDatabase));
        URI creditUrl = URI.create("http://127.0.0.1:" + credit.getLocalPort());
        send(creditUrl, "POST", "/credit", "{\"amount\": 100}");
        TestDatabase messageDatabase = TestDatabases.h2();
        // A replica that accepts but does not deliver, stopped with its messages still queued.
        DropwizardTestSupport<MessageServiceConfiguration> first =
                MessageServiceFixture.started(messageDatabase, creditUrl, provider.url(), 0);
        List<String> ids = postMessages(List.of(URI.create("http://127.0.0.1:" + first.getLocalPort())), 20);
        first.after();
        assertThat(provider.received()).isZero();

        startMessageService(messageDatabase, creditUrl, 2);

        MessageDao messages = jdbi(messageDatabase).onDemand(MessageDao.class);
        await().atMost(DEADLINE).until(() -> terminal(messages) == 20);
        assertThat(ids).allSatisfy(id -> assertThat(messages.find(id).orElseThrow().status()).isEqualTo(MessageStatus.OK));
        assertThat(provider.answers()).containsOnlyKeys(ids);
        assertThat(provider.duplicates()).isEmpty();
    }

    private URI startMessageService(TestDatabase database, URI creditUrl, int workers) {
        DropwizardTestSupport<MessageServiceConfiguration> service =
                track(MessageServiceFixture.started(database, creditUrl, provider.url(), workers));
        return URI.create("http://127.0.0.1:" + service.getLocalPort());
    }

    private <T extends DropwizardTestSupport<?>> T track(T service) {
        services.add(service);
        return service;
    }

    /** Posts {@code count} messages from 8 threads, spread over the replicas; every one must be accepted. */
    private List<String> postMessages(List<URI> replicas, int count) throws Exception {
        ConcurrentLinkedQueue<String> ids = new ConcurrentLinkedQueue<>();
        List<Callable<Void>> posters = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int thread = t;
            posters.add(() -> {
                for (int i = thread; i < count; i += 8) {
                    String body = "{\"destination\":\"+3460000" + String.format("%04d", i) + "\",\"body\":\"message " + i + "\"}";
                    HttpResponse<String> response = send(replicas.get(i % replicas.size()), "POST", "/messages", body);
                    assertThat(response.statusCode()).isEqualTo(200);
                    ids.add(json.readTree(response.body()).get("messageId").asText());
                }
                return null;
            });
        }
        Concurrently.run(8, posters, Duration.ofSeconds(60));
        assertThat(ids).hasSize(count).doesNotHaveDuplicates();
        return List.copyOf(ids);
    }

    private static long terminal(MessageDao messages) {
        return messages.countByStatus().entrySet().stream()
                .filter(entry -> MessageStatus.valueOf(entry.getKey()).isTerminal())
                .mapToLong(Map.Entry::getValue)
                .sum();
    }

    private static long count(Map<String, Message> messages, MessageStatus status) {
        return messages.values().stream().filter(message -> message.status() == status).count();
    }

    private static Jdbi jdbi(TestDatabase database) {
        return database.jdbi();
    }


    private HttpResponse<String> send(URI base, String method, String path, String body) throws Exception {
        return http.sendJson(method, base.resolve(path).toString(), body);
    }
}
