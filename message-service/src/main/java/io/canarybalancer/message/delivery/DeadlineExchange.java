package io.canarybalancer.message.delivery;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One HTTP exchange with a deadline on the whole of it, the response body included. The JDK client's
 * request timeout stops counting once the response head arrives: a server that sends its head and then
 * stalls in the body would hold the calling delivery thread for good. Past the deadline the exchange is
 * cancelled, which closes its connection, and the caller gets the same {@link HttpTimeoutException} as
 * for an answer whose head came too late.
 */
final class DeadlineExchange {

    private DeadlineExchange() {
    }

    /** @return the response, its body read whole, within {@code deadline} of the call */
    static HttpResponse<String> send(HttpClient http, HttpRequest request, Duration deadline)
            throws IOException, InterruptedException {
        CompletableFuture<HttpResponse<String>> exchange = http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
        try {
            return exchange.get(deadline.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            exchange.cancel(true);
            throw new HttpTimeoutException("no complete answer within " + deadline.toMillis() + " ms");
        } catch (InterruptedException e) {
            exchange.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            // The client's own failures, as send() would have thrown them: a connect failure stays a
            // ConnectException or HttpConnectTimeoutException, which callers tell apart from the rest.
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IOException(cause);
        }
    }
}
