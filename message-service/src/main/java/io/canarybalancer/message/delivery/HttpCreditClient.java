package io.canarybalancer.message.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Talks to the credit service over HTTP ({@code PUT /credit/charges/{id}} and {@code .../refund}), by
 * default through the balancer, which routes {@code /credit...} to a credit replica. Anything but a clear
 * answer is {@code UNAVAILABLE}: the caller retries, and the credit service's idempotency makes that safe.
 * Each call has a deadline of {@code timeout} for the whole exchange, the answer's body included.
 */
public final class HttpCreditClient implements CreditClient {

    /** What the credit service says of a charge whose refund came first ({@code 409}). */
    private static final String REFUNDED_FIRST = "was refunded before it was charged";

    private final HttpClient http;
    private final URI base;
    private final Duration timeout;
    private final ObjectMapper json;

    /** @param base the credit service or the balancer in front of it, e.g. {@code http://127.0.0.1:48151} */
    public HttpCreditClient(HttpClient http, URI base, Duration timeout, ObjectMapper json) {
        this.http = http;
        this.base = base;
        this.timeout = timeout;
        this.json = json;
    }

    @Override
    public ChargeAnswer charge(String messageId) {
        HttpResponse<String> response;
        try {
            response = put("/credit/charges/" + encode(messageId));
        } catch (IOException e) {
            return new ChargeAnswer(ChargeAnswer.Kind.UNAVAILABLE, "credit service unreachable: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ChargeAnswer(ChargeAnswer.Kind.UNAVAILABLE, "interrupted");
        }
        String message = messageOf(response);
        return switch (response.statusCode()) {
            case 200, 201 -> new ChargeAnswer(ChargeAnswer.Kind.CHARGED, null);
            case 402 -> new ChargeAnswer(ChargeAnswer.Kind.NO_CREDIT, message);
            // As for a refund's 404: only the credit service's own words end the message uncharged.
            case 409 -> message.contains(REFUNDED_FIRST)
                    ? new ChargeAnswer(ChargeAnswer.Kind.CANCELLED, message)
                    : unavailable(response, message);
            default -> unavailable(response, message);
        };
    }

    private static ChargeAnswer unavailable(HttpResponse<String> response, String message) {
        return new ChargeAnswer(ChargeAnswer.Kind.UNAVAILABLE, "credit service answered " + response.statusCode() + " " + message);
    }

    @Override
    public RefundAnswer refund(String messageId) {
        HttpResponse<String> response;
        try {
            response = put("/credit/charges/" + encode(messageId) + "/refund");
        } catch (IOException e) {
            return new RefundAnswer(RefundAnswer.Kind.UNAVAILABLE, "credit service unreachable: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new RefundAnswer(RefundAnswer.Kind.UNAVAILABLE, "interrupted");
        }
        if (response.statusCode() == 200) {
            return new RefundAnswer(RefundAnswer.Kind.REFUNDED, null);
        }
        // Only the credit service's own "never charged" settles a refund as nothing owed: a 404 from
        // anything else (a wrong URL, a proxy) must not make a debt disappear.
        String message = messageOf(response);
        if (response.statusCode() == 404 && message.endsWith("was never charged")) {
            return new RefundAnswer(RefundAnswer.Kind.NOTHING_CHARGED, message);
        }
        return new RefundAnswer(RefundAnswer.Kind.UNAVAILABLE,
                "credit service answered " + response.statusCode() + " " + message);
    }

    private HttpResponse<String> put(String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path))
                .timeout(timeout)
                .header("Accept", "application/json")
                .PUT(HttpRequest.BodyPublishers.noBody())
                .build();
        return DeadlineExchange.send(http, request, timeout);
    }

    private String messageOf(HttpResponse<String> response) {
        try {
            JsonNode message = json.readTree(response.body()).path("message");
            return message.isTextual() ? message.asText() : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static String encode(String messageId) {
        return URLEncoder.encode(messageId, StandardCharsets.UTF_8);
    }
}
