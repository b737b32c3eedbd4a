package io.canarybalancer.balancer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The crafted clients of {@link Http2Attacks} against a plain Netty HTTP/2 server with the frame codec's
 * defaults ({@link H2Backend}), no balancer: proof that each client is the attack it claims to be (a
 * server that defends itself ends the connection, with GOAWAY), and a record of what Netty itself stops.
 */
class Http2AttackClientsTest {
    private static final Duration BOUND = Duration.ofSeconds(15);
    static H2Backend netty;

    @BeforeAll
    static void start() throws InterruptedException {
        netty = new H2Backend("netty-defaults");
    }

    @AfterAll
    static void stop() {
        netty.close();
    }

    @Test
    void rapidResetEndsTheConnectionWithEnhanceYourCalm() throws Exception {
        int before = netty.requests();
        try (RawH2 attacker = RawH2.connect(netty.port())) {
            RawH2.Flood flood = Http2Attacks.rapidReset(attacker, "/hold", Http2Attacks.RAPID_RESETS, BOUND);
            RawH2.GoAway goAway = attacker.awaitEnd();
            System.out.printf("Netty defaults, rapid reset: %s, %s, %d requests reached the server%n",
                    flood, goAway, netty.requests() - before);

            assertThat(goAway).as("GOAWAY").isNotNull();
            assertThat(goAway.errorCode()).isEqualTo(RawH2.ENHANCE_YOUR_CALM);
            assertThat(flood.stoppedByServer()).isTrue();
            assertThat(flood.written()).isLessThan(Http2Attacks.RAPID_RESETS);
            assertThat(netty.requests() - before).isLessThan(Http2Attacks.RAPID_RESETS / 10);
        }
        assertServed();
    }

    @Test
    void largeContinuationFramesBeyondTheHeaderListLimitEndTheConnection() throws Exception {
        try (RawH2 attacker = RawH2.connect(netty.port())) {
            RawH2.Flood flood = Http2Attacks.continuationFlood(attacker, "/hold", Http2Attacks.LARGE_CONTINUATIONS,
                    Http2Attacks.LARGE_CONTINUATION_SIZE, BOUND);
            RawH2.GoAway goAway = attacker.awaitEnd();
            System.out.printf("Netty defaults, large CONTINUATION flood: %s, %s%n", flood, goAway);

            assertThat(flood.stoppedByServer()).as("the server stopped the flood").isTrue();
            assertThat(goAway == null ? RawH2.PROTOCOL_ERROR : goAway.errorCode()).isNotEqualTo(RawH2.NO_ERROR);
        }
        assertServed();
    }

    @Test
    void emptyContinuationFramesEndTheConnection() throws Exception {
        try (RawH2 attacker = RawH2.connect(netty.port())) {
            RawH2.Flood flood = Http2Attacks.continuationFlood(attacker, "/hold", Http2Attacks.EMPTY_CONTINUATIONS, 0,
                    BOUND);
            RawH2.GoAway goAway = attacker.awaitEnd();
            System.out.printf("Netty defaults, empty CONTINUATION flood: %s, %s%n", flood, goAway);

            assertThat(flood.stoppedByServer()).as("the server stopped the flood").isTrue();
            assertThat(goAway == null ? RawH2.PROTOCOL_ERROR : goAway.errorCode()).isNotEqualTo(RawH2.NO_ERROR);
        }
        assertServed();
    }

    private static void assertServed() throws Exception {
        try (RawH2 client = RawH2.connect(netty.port())) {
            RawH2.Stream stream = client.get("/version").await();
            assertThat(stream.status()).isEqualTo(200);
            assertThat(stream.bodyText()).isEqualTo("netty-defaults");
        }
    }
}
