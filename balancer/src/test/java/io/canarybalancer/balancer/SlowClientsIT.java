package io.canarybalancer.balancer;

import io.canarybalancer.testsupport.Http;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Clients that hold connections without finishing requests don't starve the others. */
class SlowClientsIT {
    @TempDir
    Path dir;
    TestBackend backend;
    BalancerProcess balancer;
    final Http http = new Http();
    final List<Socket> sockets = new ArrayList<>();
    final ScheduledExecutorService trickle = Executors.newScheduledThreadPool(2);

    @AfterEach
    void stop() throws IOException {
        trickle.shutdownNow();
        for (Socket socket : sockets) {
            socket.close();
        }
        if (balancer != null) {
            balancer.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void slowlorisConnectionsAreCutOffByTheHeaderTimeoutWhileOthersAreServed() throws Exception {
        start("timeouts: {requestHead: 1s}\n");
        for (int i = 0; i < 200; i++) {
            Socket socket = new Socket("127.0.0.1", balancer.port());
            socket.setSoTimeout(15_000);
            sockets.add(socket);
            OutputStream out = socket.getOutputStream();
            out.write("GET /version HTTP/1.1\r\nHost: lb\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // one more header byte every 200 ms, at most 50 of them: bounded, and never a whole head
            trickle.scheduleAtFixedRate(() -> {
                try {
                    out.write('a');
                    out.flush();
                } catch (IOException closed) {
                    throw new IllegalStateException("stop trickling", closed);
                }
            }, 200, 200, TimeUnit.MILLISECONDS);
        }

        List<HttpResponse<String>> normal = http.concurrentGets(balancer.baseUrl() + "/version", 50);
        assertThat(Http.tally(normal, HttpResponse::statusCode)).isEqualTo(Map.of(200, 50L));

        // Each is cut off: a 408 and a close, or a reset (a close with header bytes still unread
        // makes the kernel send one, which can overtake the 408). Never a read timeout.
        int answered408 = 0;
        for (Socket socket : sockets) {
            String answer = readUntilClosed(socket.getInputStream());
            assertThat(answer).satisfiesAnyOf(a -> assertThat(a).startsWith("HTTP/1.1 408"), a -> assertThat(a).isEmpty());
            answered408 += answer.startsWith("HTTP/1.1 408") ? 1 : 0;
        }
        System.out.println("Slow clients cut off: 200, of which " + answered408 + " read the 408 before the close");
    }

    @Test
    void aClientThatStopsSendingItsBodyGets408AndIsClosed() throws Exception {
        start("timeouts: {stall: 500ms}\n");
        try (RawHttp client = new RawHttp(balancer.port())) {
            client.send("POST /upload HTTP/1.1\r\nHost: lb\r\nContent-Length: 100\r\n\r\n0123456789");

            RawHttp.Response response = client.read(); // comes after the body timeout, not the 60 s idle one

            assertThat(response.status()).isEqualTo(408);
            assertThat(response.body()).contains("the request body stalled");
            assertThat(client.closedByServer()).isTrue();
        }
        assertThat(http.get(balancer.baseUrl() + "/version").statusCode()).isEqualTo(200);
    }

    @Test
    void anAnswerThatStopsMidBodyClosesTheClientConnectionAfterTheStallTimeout() throws Exception {
        start("timeouts: {stall: 500ms}\n");
        try (RawHttp client = new RawHttp(balancer.port())) {
            client.send("GET /halt HTTP/1.1\r\nHost: lb\r\n\r\n");

            // the head and 10 of the 100 promised bytes arrive, then the balancer gives up and closes
            assertThat(client.closedByServerAfterReading()).startsWith("HTTP/1.1 200").endsWith("0123456789");
        }
    }

    @Test
    void aClientThatHalfClosesAfterItsRequestStillGetsTheAnswer() throws Exception {
        start("");
        try (RawHttp client = new RawHttp(balancer.port())) {
            client.send("GET /version HTTP/1.1\r\nHost: lb\r\n\r\n").shutdownOutput();

            RawHttp.Response response = client.read();

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("stable-1");
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void aSlowButSteadyBodyIsNotCutOff() throws Exception {
        start("timeouts: {stall: 500ms}\n");
        try (RawHttp client = new RawHttp(balancer.port())) {
            client.send("POST /upload HTTP/1.1\r\nHost: lb\r\nContent-Length: 8\r\n\r\n");
            for (int i = 0; i < 8; i++) {
                TimeUnit.MILLISECONDS.sleep(200); // the client's own pace, part of the scenario
                client.send("x");
            }

            RawHttp.Response response = client.read();

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("8");
        }
    }

    @Test
    void connectionsBeyondTheLimitGetA503AndTheLimitFreesUpAgain() throws Exception {
        start("maxConnections: 5\n");
        List<RawHttp> kept = new ArrayList<>();
        for (int i = 0; i < 5; i++) { // five keep-alive connections, each known to be accepted: it answered
            RawHttp client = new RawHttp(balancer.port());
            assertThat(client.send("GET /version HTTP/1.1\r\nHost: lb\r\n\r\n").read().status()).isEqualTo(200);
            kept.add(client);
        }
        try (RawHttp held = new RawHttp(balancer.port())) {
            // the sixth: refused with a readable answer
            assertThat(held.read().status()).isEqualTo(503);
            assertThat(held.closedByServer()).isTrue();
        }

        for (RawHttp client : kept) {
            client.close();
        }
        // the balancer notices the closed connections asynchronously
        await("the connection limit to free up").atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            try (RawHttp client = new RawHttp(balancer.port())) {
                assertThat(client.send("GET /version HTTP/1.1\r\nHost: lb\r\n\r\n").read().status()).isEqualTo(200);
            }
        });
    }

    private void start(String yaml) throws Exception {
        backend = new TestBackend("stable-1");
        balancer = BalancerProcess.start(TestConfigs.config(dir, TestConfigs.replicas(List.of(backend), List.of()), yaml));
    }

    /** What the balancer sent before closing; a read timeout (15 s) fails the test. */
    private static String readUntilClosed(InputStream in) throws IOException {
        java.io.ByteArrayOutputStream received = new java.io.ByteArrayOutputStream();
        byte[] buffer = new byte[512];
        try {
            int n;
            while ((n = in.read(buffer)) != -1) {
                received.write(buffer, 0, n);
            }
        } catch (java.net.SocketTimeoutException e) {
            throw e;
        } catch (java.net.SocketException reset) {
            // closed by a reset: cut off all the same
        }
        return received.toString(StandardCharsets.US_ASCII);
    }
}
