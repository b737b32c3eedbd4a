package io.canarybalancer.message.delivery;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The credit client against a scripted stand-in for the credit service. */
class HttpCreditClientTest {

    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile int status;
    private volatile String body = "";
    private volatile boolean hang;
    private HttpServer server;
    private HttpCreditClient client;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/", exchange -> {
            requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
            if (hang) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
        client = clientFor(URI.create("http://127.0.0.1:" + server.getAddress().getPort()));
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
    }

    private static HttpCreditClient clientFor(URI base) {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofMillis(500)).build();
        return new HttpCreditClient(http, base, Duration.ofMillis(300), new ObjectMapper());
    }

    private void answer(int status, String body) {
        this.status = status;
        this.body = body;
    }

    @Test
    void newOrRepeatedChargeIsCharged() {
        answer(201, "{\"messageId\":\"m-1\"}");
        assertThat(client.charge("m-1").kind()).isEqualTo(CreditClient.ChargeAnswer.Kind.CHARGED);
        answer(200, "{\"messageId\":\"m-1\"}");
        assertThat(client.charge("m-1").kind()).isEqualTo(CreditClient.ChargeAnswer.Kind.CHARGED);
        assertThat(requests).containsExactly("PUT /credit/charges/m-1", "PUT /credit/charges/m-1");
    }

    @Test
    void paymentRequiredIsNoCreditWithTheServicesMessage() {
        answer(402, "{\"code\":402,\"message\":\"insufficient credit: the balance is 0, a message costs 1\"}");

        CreditClient.ChargeAnswer answer = client.charge("m-1");

        assertThat(answer.kind()).isEqualTo(CreditClient.ChargeAnswer.Kind.NO_CREDIT);
        assertThat(answer.detail()).isEqualTo("insufficient credit: the balance is 0, a message costs 1");
    }

    @Test
    void anyOtherAnswerIsUnavailable() {
        answer(503, "{\"code\":503,\"message\":\"no replica\"}");

        CreditClient.ChargeAnswer answer = client.charge("m-1");

        assertThat(answer.kind()).isEqualTo(CreditClient.ChargeAnswer.Kind.UNAVAILABLE);
        assertThat(answer.detail()).isEqualTo("credit service answered 503 no replica");
    }

    @Test
    void slowAnswerIsUnavailable() {
        hang = true;

        assertThat(client.charge("m-1").kind()).isEqualTo(CreditClient.ChargeAnswer.Kind.UNAVAILABLE);
    }

    @Test
    void unreachableServiceIsUnavailable() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        HttpCreditClient unreachable = clientFor(URI.create("http://127.0.0.1:" + closedPort));

        assertThat(unreachable.charge("m-1").kind()).isEqualTo(CreditClient.ChargeAnswer.Kind.UNAVAILABLE);
        assertThat(unreachable.refund("m-1").kind()).isEqualTo(CreditClient.RefundAnswer.Kind.UNAVAILABLE);
    }

    @Test
    void refundIsRefunded() {
        answer(200, "{\"status\":\"REFUNDED\"}");

        assertThat(client.refund("m-1").kind()).isEqualTo(CreditClient.RefundAnswer.Kind.REFUNDED);
        assertThat(requests).containsExactly("PUT /credit/charges/m-1/refund");
    }

    @Test
    void theCreditServicesNeverChargedSettlesTheRefund() {
        answer(404, "{\"code\":404,\"message\":\"message m-1 was never charged\"}");

        assertThat(client.refund("m-1").kind()).isEqualTo(CreditClient.RefundAnswer.Kind.NOTHING_CHARGED);
    }

    @Test
    void someOtherNotFoundLeavesTheRefundOwed() {
        answer(404, "{\"code\":404,\"message\":\"no route\"}");

        assertThat(client.refund("m-1").kind()).isEqualTo(CreditClient.RefundAnswer.Kind.UNAVAILABLE);
    }

    @Test
    void headersThenAStalledBodyIsUnavailableAtTheDeadline() throws Exception {
        try (StallingServer stalling = new StallingServer(201)) {
            HttpCreditClient stalled = clientFor(stalling.url());

            CompletableFuture<CreditClient.ChargeAnswer> charge = CompletableFuture.supplyAsync(() -> stalled.charge("m-1"));
            CompletableFuture<CreditClient.RefundAnswer> refund = CompletableFuture.supplyAsync(() -> stalled.refund("m-1"));

            // A hang detector, not a speed limit: without a deadline on the body the calls never return.
            await().atMost(Duration.ofSeconds(30)).until(() -> charge.isDone() && refund.isDone());
            assertThat(stalling.requests()).isEqualTo(2);
            assertThat(charge.get().kind()).isEqualTo(CreditClient.ChargeAnswer.Kind.UNAVAILABLE);
            assertThat(refund.get().kind()).isEqualTo(CreditClient.RefundAnswer.Kind.UNAVAILABLE);
        }
    }

    @Test
    void aChargeBarredByAnEarlierRefundIsCancelled() {
        answer(409, "{\"code\":409,\"message\":\"message m-1 was refunded before it was charged: it can never be charged\"}");

        CreditClient.ChargeAnswer answer = client.charge("m-1");

        assertThat(answer.kind()).isEqualTo(CreditClient.ChargeAnswer.Kind.CANCELLED);
        assertThat(answer.detail()).isEqualTo("message m-1 was refunded before it was charged: it can never be charged");
    }

    @Test
    void someOtherConflictIsUnavailable() {
        answer(409, "{\"code\":409,\"message\":\"conflict\"}");

        assertThat(client.charge("m-1").kind()).isEqualTo(CreditClient.ChargeAnswer.Kind.UNAVAILABLE);
    }
}
