package io.canarybalancer.message.delivery;

import io.canarybalancer.message.core.Claim;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Scripted stand-ins for the credit service and the provider, recording what they were asked. */
final class Fakes {

    private Fakes() {
    }

    /** Answers charges and refunds from scripts; when a script runs out, the last answer repeats. */
    static final class Credit implements CreditClient {
        final Deque<ChargeAnswer> charges = new ArrayDeque<>(List.of(new ChargeAnswer(ChargeAnswer.Kind.CHARGED, null)));
        final Deque<RefundAnswer> refunds = new ArrayDeque<>(List.of(new RefundAnswer(RefundAnswer.Kind.REFUNDED, null)));
        final List<String> charged = new CopyOnWriteArrayList<>();
        final List<String> refunded = new CopyOnWriteArrayList<>();

        Credit charges(ChargeAnswer.Kind... kinds) {
            charges.clear();
            for (ChargeAnswer.Kind kind : kinds) {
                String detail = kind == ChargeAnswer.Kind.NO_CREDIT ? "insufficient credit: the balance is 0" : "503";
                charges.add(new ChargeAnswer(kind, detail));
            }
            return this;
        }

        Credit refunds(RefundAnswer.Kind... kinds) {
            refunds.clear();
            for (RefundAnswer.Kind kind : kinds) {
                refunds.add(new RefundAnswer(kind, "scripted"));
            }
            return this;
        }

        @Override
        public synchronized ChargeAnswer charge(String messageId) {
            charged.add(messageId);
            return charges.size() > 1 ? charges.poll() : charges.peek();
        }

        @Override
        public synchronized RefundAnswer refund(String messageId) {
            refunded.add(messageId);
            return refunds.size() > 1 ? refunds.poll() : refunds.peek();
        }
    }

    /** Answers every send with one scripted answer. */
    static final class Provider implements ProviderClient {
        volatile SendAnswer answer = new SendAnswer(SendAnswer.Kind.DELIVERED, null);
        final List<String> sent = new CopyOnWriteArrayList<>();

        Provider answers(SendAnswer.Kind kind, String detail) {
            answer = new SendAnswer(kind, detail);
            return this;
        }

        @Override
        public SendAnswer send(Claim message) {
            sent.add(message.messageId());
            return answer;
        }
    }
}
