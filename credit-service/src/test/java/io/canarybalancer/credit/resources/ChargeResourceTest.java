package io.canarybalancer.credit.resources;

import com.fasterxml.jackson.databind.JsonNode;
import io.canarybalancer.credit.api.ChargeView;
import io.canarybalancer.credit.core.Charge;
import io.canarybalancer.credit.core.ChargeResult;
import io.canarybalancer.credit.core.RefundResult;
import io.canarybalancer.credit.db.CreditDao;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.dropwizard.testing.junit5.ResourceExtension;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.reset;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

@ExtendWith(DropwizardExtensionsSupport.class)
class ChargeResourceTest {

    private static final CreditDao DAO = mock(CreditDao.class);
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(1000), ZoneOffset.UTC);
    private static final Charge CHARGE = new Charge("m-1", 1, Instant.ofEpochMilli(1000), Optional.empty());
    private static final Charge REFUNDED = new Charge("m-1", 1, Instant.ofEpochMilli(1000),
            Optional.of(Instant.ofEpochMilli(2000)));

    static final ResourceExtension RESOURCES = ResourceTestSupport.resources()
            .addResource(new ChargeResource(DAO, CLOCK))
            .build();

    @AfterEach
    void resetDao() {
        reset(DAO);
    }

    private static Response put(String path) {
        return RESOURCES.target(path).request().put(Entity.json(""));
    }

    @Test
    void aNewChargeIs201WithTheCharge() {
        when(DAO.charge("m-1", 1, 1000)).thenReturn(new ChargeResult(ChargeResult.Outcome.CHARGED, Optional.of(CHARGE), 9));

        Response response = put("/credit/charges/m-1");

        assertThat(response.getStatus()).isEqualTo(201);
        ChargeView view = response.readEntity(ChargeView.class);
        assertThat(view.status()).isEqualTo("CHARGED");
        assertThat(view.balance()).isEqualTo(9);
        assertThat(view.amount()).isEqualTo(1);
    }

    @Test
    void aRepeatedChargeIs200WithTheFirstCharge() {
        when(DAO.charge("m-1", 1, 1000))
                .thenReturn(new ChargeResult(ChargeResult.Outcome.ALREADY_CHARGED, Optional.of(CHARGE), 9));

        Response response = put("/credit/charges/m-1");

        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.readEntity(ChargeView.class).chargedAt()).isEqualTo(Instant.ofEpochMilli(1000));
    }

    @Test
    void insufficientCreditIs402() {
        when(DAO.charge("m-1", 1, 1000))
                .thenReturn(new ChargeResult(ChargeResult.Outcome.INSUFFICIENT_CREDIT, Optional.empty(), 0));

        Response response = put("/credit/charges/m-1");

        assertThat(response.getStatus()).isEqualTo(402);
        JsonNode error = response.readEntity(JsonNode.class);
        assertThat(error.get("code").asInt()).isEqualTo(402);
        assertThat(error.get("message").asText()).startsWith("insufficient credit");
    }

    @Test
    void refundIs200WithTheRefundedCharge() {
        when(DAO.refund("m-1", 1000)).thenReturn(new RefundResult(RefundResult.Outcome.REFUNDED, Optional.of(REFUNDED), 10));

        Response response = put("/credit/charges/m-1/refund");

        assertThat(response.getStatus()).isEqualTo(200);
        ChargeView view = response.readEntity(ChargeView.class);
        assertThat(view.status()).isEqualTo("REFUNDED");
        assertThat(view.refundedAt()).isEqualTo(Instant.ofEpochMilli(2000));
    }

    @Test
    void refundWithoutAChargeIs404() {
        when(DAO.refund("m-9", 1000)).thenReturn(new RefundResult(RefundResult.Outcome.NO_CHARGE, Optional.empty(), 10));

        Response response = put("/credit/charges/m-9/refund");

        assertThat(response.getStatus()).isEqualTo(404);
        assertThat(response.readEntity(JsonNode.class).get("message").asText()).isEqualTo("message m-9 was never charged");
    }

    @Test
    void unknownChargeIs404() {
        when(DAO.findCharge("m-9")).thenReturn(Optional.empty());

        Response response = RESOURCES.target("/credit/charges/m-9").request().get();

        assertThat(response.getStatus()).isEqualTo(404);
        assertThat(response.readEntity(JsonNode.class).get("code").asInt()).isEqualTo(404);
    }

    @Test
    void knownChargeIs200() {
        when(DAO.findCharge("m-1")).thenReturn(Optional.of(CHARGE));
        when(DAO.balance()).thenReturn(3L);

        ChargeView view = RESOURCES.target("/credit/charges/m-1").request().get(ChargeView.class);

        assertThat(view.messageId()).isEqualTo("m-1");
        assertThat(view.balance()).isEqualTo(3);
    }

    @Test
    void invalidMessageIdIs400AndChangesNothing() {
        Response response = put("/credit/charges/" + "x".repeat(65));

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(response.readEntity(JsonNode.class).get("errors").get(0).asText()).contains("messageId");
        verifyNoInteractions(DAO);
    }
}
