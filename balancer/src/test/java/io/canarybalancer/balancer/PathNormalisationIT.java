package io.canarybalancer.balancer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Routing decides on the normalised path, and the backend receives that same path: the compose
 * layout of two routes, {@code /credit} to the credit replica and everything else to the message
 * replica, behind the real jar, spoken to over raw sockets so that no client library tidies the
 * path first.
 */
class PathNormalisationIT {
    @TempDir
    static Path dir;
    static TestBackend message;
    static TestBackend credit;
    static BalancerProcess balancer;

    @BeforeAll
    static void start() throws Exception {
        message = new TestBackend("message-1");
        credit = new TestBackend("credit-1");
        String replicas = "service-v1:\n" + TestConfigs.replica(message, "tags: [message]")
                + TestConfigs.replica(credit, "tags: [credit]") + "service-v2: []\n";
        balancer = BalancerProcess.start(TestConfigs.config(dir, replicas, """
                routes:
                  - {name: message, pathPrefix: /, stable: {tag: message}, canary: {tag: message}}
                  - {name: credit, pathPrefix: /credit, stable: {tag: credit}, canary: {tag: credit}}
                """));
    }

    @AfterAll
    static void stop() {
        balancer.close();
        message.close();
        credit.close();
    }

    @ParameterizedTest(name = "{0} -> {1} {2}")
    @CsvSource(delimiter = '|', value = {
            "/credit/../messages               | message-1 | /messages",
            "/%63redit/version                 | credit-1  | /credit/version",
            "/messages/%2e%2e/credit/version   | credit-1  | /credit/version",
            "/credit/./version?x=/../y&z=%63   | credit-1  | /credit/version?x=/../y&z=%63",
            "/credit%2F..%2Fmessages           | message-1 | /credit%2F..%2Fmessages",
            "http://lb/credit/../messages?q=1  | message-1 | /messages?q=1",
            "/credit/version                   | credit-1  | /credit/version",
    })
    void routesOnTheNormalisedPathAndForwardsIt(String target, String replica, String received) throws Exception {
        try (RawHttp client = new RawHttp(balancer.port())) {
            RawHttp.Response response = client.send("GET " + target + " HTTP/1.1\r\nHost: lb\r\n\r\n").read();

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).as("the replica that answered").isEqualTo(replica);
            TestBackend backend = replica.equals(credit.name()) ? credit : message;
            assertThat(backend.lastTarget()).as("the target the backend received").isEqualTo(received);
        }
    }

    @Test
    void aPathThatClimbsAboveTheRootIsRefusedAndNeverForwarded() throws Exception {
        int before = message.requests() + credit.requests();
        for (String target : List.of("/../credit", "/credit/../../etc/passwd", "/%2e%2e/credit")) {
            try (RawHttp client = new RawHttp(balancer.port())) {
                RawHttp.Response response = client.send("GET " + target + " HTTP/1.1\r\nHost: lb\r\n\r\n").read();

                assertThat(response.status()).as(target).isEqualTo(400);
                assertThat(response.body()).contains("above the root");
                assertThat(client.closedByServer()).isTrue();
            }
        }
        assertThat(message.requests() + credit.requests()).as("requests that reached a backend").isEqualTo(before);
    }
}
