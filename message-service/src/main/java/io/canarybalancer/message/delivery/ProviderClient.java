package io.canarybalancer.message.delivery;

import io.canarybalancer.message.core.Claim;

import java.util.Objects;

/** The message provider ({@code POST {provider}/message {destination, body}}). */
public interface ProviderClient {

    /** Sends the message once, within the configured timeout. */
    SendAnswer send(Claim message);

    /**
     * How a send ended.
     *
     * @param kind   what happened
     * @param detail why, for the message's reason
     */
    record SendAnswer(Kind kind, String detail) {

        public SendAnswer {
            Objects.requireNonNull(kind, "kind");
        }

        /** The three outcomes; they decide the message's final status. */
        public enum Kind {
            /** The provider accepted it (2xx): {@code OK}. */
            DELIVERED,
            /** The provider refused it, or could not be reached, so it was not delivered: {@code ERROR}. */
            REJECTED,
            /** Sent, but no answer came in time, or the connection broke after sending: {@code TIMEOUT}. */
            UNCONFIRMED
        }
    }
}
