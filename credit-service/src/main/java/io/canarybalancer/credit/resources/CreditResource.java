package io.canarybalancer.credit.resources;

import io.canarybalancer.credit.api.BalanceView;
import io.canarybalancer.credit.api.TopUpRequest;
import io.canarybalancer.credit.core.CreditRules;
import io.canarybalancer.credit.core.TopUpResult;
import io.canarybalancer.credit.db.CreditDao;
import io.canarybalancer.replica.api.ErrorBody;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.time.Clock;

/**
 * The balance: {@code GET /credit} reads it, {@code POST /credit {amount}} adds to it (the original
 * exercise's service replaced it, a bug: a top-up during a charge must keep both).
 */
@Path("/credit")
@Produces(MediaType.APPLICATION_JSON)
public class CreditResource {

    private final CreditDao credit;
    private final Clock clock;

    public CreditResource(CreditDao credit, Clock clock) {
        this.credit = credit;
        this.clock = clock;
    }

    @GET
    public BalanceView balance() {
        return new BalanceView(credit.balance());
    }

    /** @return 200 with the new balance; 409 when the balance would pass its maximum */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response topUp(@NotNull @Valid TopUpRequest request) {
        TopUpResult result = credit.topUp(request.amount(), clock.millis());
        if (!result.applied()) {
            return Response.status(Response.Status.CONFLICT)
                    .entity(ErrorBody.of(409, "the balance would pass its maximum of " + CreditRules.MAX_BALANCE))
                    .build();
        }
        return Response.ok(new BalanceView(result.balance())).build();
    }
}
