package io.canarybalancer.consuldouble;

import io.canarybalancer.consuldouble.catalog.ServiceSpec;
import io.canarybalancer.consuldouble.fault.Fault;
import io.canarybalancer.testsupport.Http;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Binding, shutdown, and what happens to parked requests when the double closes. */
class LifecycleTest {

    private static final Duration AWAIT = Duration.ofSeconds(5);

    @Test
    void bindsToLoopbackOnAnEphemeralPort() {
        try (ConsulDouble one = ConsulDouble.start(); ConsulDouble two = ConsulDouble.start()) {
            assertThat(one.port()).isPositive().isNotEqualTo(two.port());
            assertThat(one.url()).isEqualTo("http://127.0.0.1:" + one.port());
            assertThat(one.host()).isEqualTo("127.0.0.1");
            assertThat(new Http(one.url()).get("/v1/status/leader").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void closeAnswersParkedBlockingQueriesAndRefusesNewConnections() {
        ConsulDouble consul = ConsulDouble.start();
        Http http = new Http(consul.url());
        consul.register(ServiceSpec.instance("web-1", "web").port(1));
        long index = ConsulAnswer.index(http.get("/v1/health/service/web"));
        CompletableFuture<HttpResponse<String>> poll = http.getAsync("/v1/health/service/web?index=" + index + "&wait=10m");
        assertThat(consul.awaitBlocked(1, AWAIT)).isTrue();

        long started = System.nanoTime();
        consul.close();

        HttpResponse<String> response = Http.await(poll);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(ConsulAnswer.index(response)).isEqualTo(index);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(AWAIT);
        assertThat(consul.blockedCount()).isZero();
        assertThatThrownBy(() -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", consul.port()), 1000);
            }
        }).isInstanceOf(ConnectException.class);
        consul.close();
    }

    @Test
    void closeDropsHungRequests() {
        ConsulDouble consul = ConsulDouble.start();
        Http http = new Http(consul.url());
        consul.faults().always(Fault.hang());
        CompletableFuture<HttpResponse<String>> call = http.getAsync("/v1/agent/self");
        assertThat(consul.awaitHanging(1, AWAIT)).isTrue();

        consul.close();

        assertThat(call).failsWithin(AWAIT).withThrowableOfType(Exception.class).withCauseInstanceOf(IOException.class);
        assertThat(consul.hangingCount()).isZero();
    }

    @Test
    void fixedPortAndRestartAfterCloseIsRejected() {
        int port;
        try (ConsulDouble first = ConsulDouble.start()) {
            port = first.port();
        }
        ConsulDouble fixed = ConsulDouble.builder().port(port).start();
        assertThat(fixed.port()).isEqualTo(port);

        fixed.close();

        assertThatThrownBy(fixed::startListener).isInstanceOf(IllegalStateException.class);
    }
}
