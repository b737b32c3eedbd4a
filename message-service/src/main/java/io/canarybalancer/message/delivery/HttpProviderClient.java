package io.canarybalancer.message.delivery;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.canarybalancer.message.core.Claim;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;

/**
 * Posts a message to the provider: {@code POST {provider}/message {destination, body}}, with an
 * {@code X-Message-Id} header the real provider ignores and the simulator uses to spot duplicates.
 *
 * <p>Which failures mean "not delivered": only those where the provider certainly did not take the
 * message (it answered an error, or no connection was ever made). A timeout, or a connection broken after
 * the request went out, means "maybe delivered": {@code UNCONFIRMED}. The timeout bounds the whole
 * exchange, the answer's body included: a provider that sends its head and then stalls is no answer in time.
 */
public final class HttpProviderClient implements ProviderClient {

    /** The header naming the message, so the provider side can recognise a repeat. */
    public static final String MESSAGE_ID_HEADER = "X-Message-Id";

    private final HttpClient http;
    private final URI endpoint;
    private final Duration timeout;
    private final ObjectMapper json;

    /** @param base the provider, e.g. {@code http://127.0.0.1:3000} */
    public HttpProviderClient(HttpClient http, URI base, Duration timeout, ObjectMapper json) {
        this.http = http;
        this.endpoint = base.resolve("/message");
        this.timeout = timeout;
        this.json = json;
    }

    @Override
    public SendAnswer send(Claim message) {
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(endpoint)
                    .timeout(timeout)
                    .header("Content-Type", "application/json")
                    .header(MESSAGE_ID_HEADER, message.messageId())
                    .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(
                            Map.of("destination", message.destination(), "body", message.body()))))
                    .build();
        } catch (JsonProcessingException e) {
            return new SendAnswer(SendAnswer.Kind.REJECTED, "could not encode the message: " + e.getOriginalMessage());
        }
        try {
            HttpResponse<String> response = DeadlineExchange.send(http, request, timeout);
            if (response.statusCode() / 100 == 2) {
                return new SendAnswer(SendAnswer.Kind.DELIVERED, null);
            }
            return new SendAnswer(SendAnswer.Kind.REJECTED,
                    "the provider answered " + response.statusCode() + excerpt(response.body()));
        } catch (HttpConnectTimeoutException | ConnectException e) {
            return new SendAnswer(SendAnswer.Kind.REJECTED, "the provider could not be reached: " + e.getMessage());
        } catch (HttpTimeoutException e) {
            return new SendAnswer(SendAnswer.Kind.UNCONFIRMED,
                    "the provider did not answer within " + timeout.toMillis() + " ms");
        } catch (IOException e) {
            return new SendAnswer(SendAnswer.Kind.UNCONFIRMED, "the connection to the provider broke after sending: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new SendAnswer(SendAnswer.Kind.UNCONFIRMED, "interrupted while waiting for the provider");
        }
    }

    private static String excerpt(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        String oneLine = body.strip().replaceAll("\\s+", " ");
        return ": " + (oneLine.length() > 100 ? oneLine.substring(0, 100) + "..." : oneLine);
    }
}
