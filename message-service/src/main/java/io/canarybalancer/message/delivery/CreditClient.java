package io.canarybalancer.message.delivery;

import java.util.Objects;

/** The credit service, as the delivery sees it: charge and refund one message, idempotently. */
public interface CreditClient {

    /** Charges one credit for the message; repeating it never charges twice. */
    ChargeAnswer charge(String messageId);

    /** Gives the message's credit back; repeating it never refunds twice. */
    RefundAnswer refund(String messageId);

    /**
     * How a charge request ended.
     *
     * @param kind   what happened
     * @param detail why, for the message's reason and the logs
     */
    record ChargeAnswer(Kind kind, String detail) {

        public ChargeAnswer {
            Objects.requireNonNull(kind, "kind");
        }

        /** The four outcomes. */
        public enum Kind {
            /** Charged now or before. */
            CHARGED,
            /** The balance was too low; nothing was taken. */
            NO_CREDIT,
            /** A refund of the message reached the credit service first: nothing was taken, and never will be. */
            CANCELLED,
            /** No answer, or not one we understand: the charge may or may not have happened. */
            UNAVAILABLE
        }
    }

    /**
     * How a refund request ended.
     *
     * @param kind   what happened
     * @param detail why, for the logs
     */
    record RefundAnswer(Kind kind, String detail) {

        public RefundAnswer {
            Objects.requireNonNull(kind, "kind");
        }

        /** The three outcomes. */
        public enum Kind {
            /** Refunded now or before. */
            REFUNDED,
            /** The message was never charged: there is nothing to give back. */
            NOTHING_CHARGED,
            /** No answer: try again later. */
            UNAVAILABLE
        }
    }
}
