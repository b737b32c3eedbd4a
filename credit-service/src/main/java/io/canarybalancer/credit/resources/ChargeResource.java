package io.canarybalancer.credit.resources;

import io.canarybalancer.credit.api.ChargeView;
import io.canarybalancer.credit.core.ChargeResult;
import io.canarybalancer.credit.core.CreditRules;
import io.canarybalancer.credit.core.RefundResult;
import io.canarybalancer.credit.db.CreditDao;
import io.canarybalancer.replica.api.ErrorBody;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.time.Clock;

/**
 * One message's charge. Both writes are {@code PUT}s because both are idempotent: a client that lost a
 * response repeats the request and gets the first one's outcome, never a second charge or refund.
 * <ul>
 *   <li>{@code PUT /credit/charges/{messageId}}: 201 charged now, 200 charged before (nothing taken now),
 *       402 not enough credit (nothing taken, nothing recorded), 409 refunded before it was charged
 *       (nothing taken, ever);</li>
 *   <li>{@code PUT /credit/charges/{messageId}/refund}: 200 refunded now or before, 404 never charged
 *       (the balance does not change, and the message can no longer be charged);</li>
 *   <li>{@code GET /credit/charges/{messageId}}: 200, or 404 never charged.</li>
 * </ul>
 */
@Path("/credit/charges/{messageId}")
@Produces(MediaType.APPLICATION_JSON)
public class ChargeResource {

    private final CreditDao credit;
    private final Clock clock;

    public ChargeResource(CreditDao credit, Clock clock) {
        this.credit = credit;
        this.clock = clock;
    }

    @GET
    public ChargeView find(@PathParam("messageId") @Pattern(regexp = CreditRules.MESSAGE_ID_PATTERN) String messageId) {
        return credit.findCharge(messageId)
                .map(charge -> ChargeView.of(charge, credit.balance()))
                .orElseThrow(() -> noCharge(messageId));
    }

    @PUT
    public Response charge(@PathParam("messageId") @Pattern(regexp = CreditRules.MESSAGE_ID_PATTERN) String messageId) {
        ChargeResult result = credit.charge(messageId, CreditRules.MESSAGE_COST, clock.millis());
        return switch (result.outcome()) {
            case CHARGED -> Response.status(Response.Status.CREATED)
                    .entity(ChargeView.of(result.charge().orElseThrow(), result.balance())).build();
            case ALREADY_CHARGED -> Response.ok(ChargeView.of(result.charge().orElseThrow(), result.balance())).build();
            case INSUFFICIENT_CREDIT -> Response.status(Response.Status.PAYMENT_REQUIRED)
                    .entity(ErrorBody.of(402, "insufficient credit: the balance is " + result.balance()
                            + ", a message costs " + CreditRules.MESSAGE_COST))
                    .build();
            case CANCELLED -> Response.status(Response.Status.CONFLICT)
                    .entity(ErrorBody.of(409, "message " + messageId + " was refunded before it was charged: "
                            + "it can never be charged"))
                    .build();
        };
    }

    @PUT
    @Path("/refund")
    public ChargeView refund(@PathParam("messageId") @Pattern(regexp = CreditRules.MESSAGE_ID_PATTERN) String messageId) {
        RefundResult result = credit.refund(messageId, clock.millis());
        if (result.outcome() == RefundResult.Outcome.NO_CHARGE) {
            throw noCharge(messageId);
        }
        return ChargeView.of(result.charge().orElseThrow(), result.balance());
    }

    private static NotFoundException noCharge(String messageId) {
        return new NotFoundException("message " + messageId + " was never charged");
    }
}
