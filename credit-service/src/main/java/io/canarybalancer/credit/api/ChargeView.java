package io.canarybalancer.credit.api;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.canarybalancer.credit.core.Charge;

import java.time.Instant;

/**
 * A message's charge on the wire.
 *
 * @param messageId  the message
 * @param amount     credits taken
 * @param status     {@code CHARGED}, or {@code REFUNDED} once given back
 * @param chargedAt  when the credit was taken
 * @param refundedAt when it was given back, absent if it wasn't
 * @param balance    the balance after the request
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChargeView(String messageId, long amount, String status,
                         @JsonFormat(shape = JsonFormat.Shape.STRING) Instant chargedAt,
                         @JsonFormat(shape = JsonFormat.Shape.STRING) Instant refundedAt,
                         long balance) {

    /** @return the view of {@code charge}, with the balance after the request */
    public static ChargeView of(Charge charge, long balance) {
        return new ChargeView(charge.messageId(), charge.amount(), charge.refunded() ? "REFUNDED" : "CHARGED",
                charge.chargedAt(), charge.refundedAt().orElse(null), balance);
    }
}
