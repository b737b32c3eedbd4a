package io.canarybalancer.credit.resources;

import com.fasterxml.jackson.databind.JsonNode;
import io.canarybalancer.credit.api.BalanceView;
import io.canarybalancer.credit.core.TopUpResult;
import io.canarybalancer.credit.db.CreditDao;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.dropwizard.testing.junit5.ResourceExtension;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.reset;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

@ExtendWith(DropwizardExtensionsSupport.class)
class CreditResourceTest {

    private static final CreditDao DAO = mock(CreditDao.class);
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(42), ZoneOffset.UTC);

    static final ResourceExtension RESOURCES = ResourceTestSupport.resources()
            .addResource(new CreditResource(DAO, CLOCK))
            .build();

    @AfterEach
    void resetDao() {
        reset(DAO);
    }

    private static Response topUp(String json) {
        return RESOURCES.target("/credit").request().post(Entity.entity(json, MediaType.APPLICATION_JSON_TYPE));
    }

    private static String firstError(Response response) {
        JsonNode body = response.readEntity(JsonNode.class);
        assertThat(body.get("code").asInt()).isEqualTo(response.getStatus());
        return body.get("errors") == null ? body.get("message").asText() : body.get("errors").get(0).asText();
    }

    @Test
    void getAnswersTheBalance() {
        when(DAO.balance()).thenReturn(17L);

        assertThat(RESOURCES.target("/credit").request().get(BalanceView.class)).isEqualTo(new BalanceView(17));
    }

    @Test
    void postAddsTheAmountAndAnswersTheNewBalance() {
        when(DAO.topUp(5, 42)).thenReturn(new TopUpResult(true, 12));

        Response response = topUp("{\"amount\": 5}");

        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.readEntity(BalanceView.class)).isEqualTo(new BalanceView(12));
        verify(DAO).topUp(5, 42);
    }

    @Test
    void topUpPastTheMaximumIsAConflict() {
        when(DAO.topUp(1_000_000_000L, 42)).thenReturn(new TopUpResult(false, 7));

        Response response = topUp("{\"amount\": 1000000000}");

        assertThat(response.getStatus()).isEqualTo(409);
        assertThat(firstError(response)).contains("maximum");
    }

    @Test
    void negativeAmountIsA400NamingAmountAndChangesNothing() {
        Response response = topUp("{\"amount\": -5}");

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(firstError(response)).isEqualTo("amount must be greater than or equal to 1");
        verifyNoInteractions(DAO);
    }

    @Test
    void zeroAmountIsA400() {
        Response response = topUp("{\"amount\": 0}");

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(firstError(response)).isEqualTo("amount must be greater than or equal to 1");
        verifyNoInteractions(DAO);
    }

    @Test
    void fractionalAmountIsA400() {
        Response response = topUp("{\"amount\": 2.5}");

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(firstError(response)).isEqualTo("amount must be an integer");
        verifyNoInteractions(DAO);
    }

    @Test
    void textAmountIsA400() {
        Response response = topUp("{\"amount\": \"ten\"}");

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(firstError(response)).isEqualTo("amount must be an integer");
        verifyNoInteractions(DAO);
    }

    @Test
    void oversizedAmountIsA400() {
        Response response = topUp("{\"amount\": 1000000001}");

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(firstError(response)).isEqualTo("amount must be less than or equal to 1000000000");
        verifyNoInteractions(DAO);
    }

    @Test
    void missingAmountIsA400() {
        Response response = topUp("{}");

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(firstError(response)).isEqualTo("amount must not be null");
        verifyNoInteractions(DAO);
    }

    @Test
    void malformedJsonIsA400() {
        Response response = topUp("{\"amount\": ");

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(firstError(response)).startsWith("malformed JSON");
        verifyNoInteractions(DAO);
    }
}
