package io.canarybalancer.message;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.canarybalancer.credit.CreditServiceConfiguration;
import io.canarybalancer.message.cli.ProviderSimulator;
import io.canarybalancer.message.core.ChargeState;
import io.canarybalancer.message.core.Message;
import io.canarybalancer.message.core.MessageStatus;
import io.canarybalancer.message.db.MessageDao;
import io.canarybalancer.testsupport.Http;
import io.canarybalancer.testsupport.ServiceFixture;
import io.canarybalancer.testsupport.TestDatabase;
import io.canarybalancer.testsupport.TestDatabases;
import io.dropwizard.testing.DropwizardTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The real jar, stopped with SIGTERM while its delivery workers wait on the provider. Its H2 database
 * must outlive them: each message then ends in the state the provider's answer gives it, with the
 * charge the policy keeps, instead of staying {@code SENDING} (and later ending {@code TIMEOUT}).
 */
class GracefulStopIT {

    private static final Path JAR = Path.of("target", "message-service.jar");
    private static final int MESSAGES = 4;

    private final Http http = new Http();
    private final ObjectMapper json = new ObjectMapper();
    private ProviderSimulator provider;
    private DropwizardTestSupport<CreditServiceConfiguration> credit;
    private Process replica;

    @AfterEach
    void stopEverything() throws InterruptedException {
        if (replica != null && replica.isAlive()) {
            replica.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        if (credit != null) {
            credit.after();
        }
        if (provider != null) {
            provider.close();
        }
    }

    @Test
    void sigtermWithDeliveriesInFlightLeavesEachMessageInItsTrueFinalState() throws Exception {
        // Every message is accepted, 2 s after it arrives: well within the provider timeout (5 s).
        provider = ProviderSimulator.start(new ProviderSimulator.Settings("127.0.0.1", 0, 0, 1,
                Duration.ofSeconds(2), 1, MESSAGES));
        credit = MessageServiceFixture.startedCredit(TestDatabases.h2());
        URI creditUrl = URI.create("http://127.0.0.1:" + credit.getLocalPort());
        assertThat(send(creditUrl, "POST", "/credit", "{\"amount\": 10}").statusCode()).isEqualTo(200);
        TestDatabase database = TestDatabases.h2();
        int port = freePort();
        Path log = Files.createTempFile("message-service", ".log");
        replica = start(database, port, creditUrl, log);
        URI service = URI.create("http://127.0.0.1:" + port);
        await().atMost(Duration.ofSeconds(120)).ignoreExceptions()
                .until(() -> send(service, "GET", "/health", null).statusCode() == 200);

        List<String> ids = new ArrayList<>();
        for (int i = 0; i < MESSAGES; i++) {
            HttpResponse<String> accepted = send(service, "POST", "/messages",
                    "{\"destination\":\"+3460000000" + i + "\",\"body\":\"in flight " + i + "\"}");
            assertThat(accepted.statusCode()).isEqualTo(200);
            ids.add(json.readTree(accepted.body()).get("messageId").asText());
        }
        // Every message is at the provider, whose answers are still to come.
        await().atMost(Duration.ofSeconds(60)).until(() -> provider.received() == MESSAGES);
        replica.destroy();
        await().atMost(Duration.ofSeconds(60)).until(() -> !replica.isAlive());

        String output = Files.readString(log);
        assertThat(output).doesNotContain("Database is already closed");
        // Stopping on request is a normal end.
        assertThat(replica.exitValue()).as(output).isZero();
        assertThat(provider.answers()).containsOnlyKeys(ids)
                .allSatisfy((id, answers) -> assertThat(answers).containsExactly(ProviderSimulator.Answer.LATE));
        // Read once the replica is gone, so this process opens the file itself.
        MessageDao messages = database.jdbi().onDemand(MessageDao.class);
        for (String id : ids) {
            Message message = messages.find(id).orElseThrow();
            assertThat(message.status()).as(id + "\n" + output).isEqualTo(MessageStatus.OK);
            assertThat(message.chargeState()).as(id).isEqualTo(ChargeState.CHARGED);
        }
        assertThat(json.readTree(send(creditUrl, "GET", "/credit", null).body()).get("credit").asLong())
                .isEqualTo(10 - MESSAGES);
    }

    private Process start(TestDatabase database, int port, URI creditUrl, Path log) throws IOException {
        assertThat(JAR).as("the packaged jar (run under failsafe, after package)").isRegularFile();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "-jar", JAR.toString(), "server",
                ServiceFixture.realConfig("message-service.yml").toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        // Nothing from the shell that runs the tests may reach the replica (a Consul address, above all).
        env.keySet().removeIf(name -> name.startsWith("CONSUL_") || name.startsWith("SERVICE_")
                || name.startsWith("DATABASE_") || name.startsWith("PROVIDER_") || name.startsWith("CREDIT_"));
        env.put("PORT", Integer.toString(port));
        env.put("ADMIN_PORT", Integer.toString(freePort()));
        env.put("DATABASE_DRIVER", database.driverClass());
        env.put("DATABASE_URL", database.url());
        env.put("DATABASE_USER", database.user());
        env.put("DATABASE_PASSWORD", database.password());
        env.put("PROVIDER_URL", provider.url().toString());
        env.put("PROVIDER_TIMEOUT", "5s");
        env.put("CREDIT_URL", creditUrl.toString());
        env.put("DELIVERY_WORKERS", Integer.toString(MESSAGES));
        env.put("SERVICE_ADDRESS", "127.0.0.1");
        return builder.start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private HttpResponse<String> send(URI base, String method, String path, String body) throws Exception {
        return http.sendJson(method, base.resolve(path).toString(), body);
    }
}
