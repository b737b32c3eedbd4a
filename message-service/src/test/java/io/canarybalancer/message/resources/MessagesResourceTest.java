package io.canarybalancer.message.resources;

import com.fasterxml.jackson.databind.JsonNode;
import io.canarybalancer.message.api.MessageAccepted;
import io.canarybalancer.message.api.MessagePage;
import io.canarybalancer.message.core.ChargeState;
import io.canarybalancer.message.core.Message;
import io.canarybalancer.message.core.MessageStatus;
import io.canarybalancer.message.db.MessageDao;
import io.canarybalancer.replica.errors.JsonErrorMapper;
import io.canarybalancer.replica.errors.StrictJson;
import io.canarybalancer.replica.errors.ValidationErrorMapper;
import io.dropwizard.jackson.Jackson;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.reset;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

@ExtendWith(DropwizardExtensionsSupport.class)
class MessagesResourceTest {

    private static final MessageDao DAO = mock(MessageDao.class);
    private static final AtomicInteger WAKE_UPS = new AtomicInteger();
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(5000), ZoneOffset.UTC);

    static final ResourceExtension RESOURCES = ResourceExtension.builder()
            .setMapper(StrictJson.configure(Jackson.newObjectMapper()))
            .addProvider(new JsonErrorMapper())
            .addProvider(new ValidationErrorMapper())
            .addResource(new MessagesResource(DAO, WAKE_UPS::incrementAndGet, CLOCK))
            .build();

    @AfterEach
    void resetDao() {
        reset(DAO);
        WAKE_UPS.set(0);
    }

    private static Response post(String json) {
        return RESOURCES.target("/messages").request().post(Entity.entity(json, MediaType.APPLICATION_JSON_TYPE));
    }

    private static List<String> errors(Response response) {
        JsonNode body = response.readEntity(JsonNode.class);
        assertThat(body.get("code").asInt()).isEqualTo(400);
        List<String> errors = new ArrayList<>();
        if (body.has("errors")) {
            body.get("errors").forEach(error -> errors.add(error.asText()));
        } else {
            errors.add(body.get("message").asText());
        }
        return errors;
    }

    private static Message message(String id, long seq, MessageStatus status) {
        return new Message(id, seq, "d", "b", status, null, ChargeState.NONE, 0, Instant.EPOCH, Instant.EPOCH);
    }

    @Test
    void acceptedMessageIsStoredQueuedAndAnswered200WithItsId() {
        Response response = post("{\"destination\": \"+34600000000\", \"body\": \"hello\"}");

        assertThat(response.getStatus()).isEqualTo(200);
        String id = response.readEntity(MessageAccepted.class).messageId();
        assertThat(id).matches("[0-9a-f-]{36}");
        verify(DAO).insert(id, "+34600000000", "hello", 5000);
        assertThat(WAKE_UPS).hasValue(1);
    }

    @Test
    void missingDestinationIsA400NamingIt() {
        Response response = post("{\"body\": \"hello\"}");

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(errors(response)).containsExactly("destination must not be blank");
        verifyNoInteractions(DAO);
    }

    @Test
    void missingBodyAndDestinationAreBothNamed() {
        Response response = post("{}");

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(errors(response)).containsExactly("body must not be blank", "destination must not be blank");
        verifyNoInteractions(DAO);
    }

    @Test
    void blankBodyIsA400() {
        Response response = post("{\"destination\": \"x\", \"body\": \"   \"}");

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(errors(response)).containsExactly("body must not be blank");
        verifyNoInteractions(DAO);
    }

    @Test
    void oversizedBodyIsA400() {
        Response response = post("{\"destination\": \"x\", \"body\": \"" + "a".repeat(1001) + "\"}");

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(errors(response)).containsExactly("body size must be between 0 and 1000");
        verifyNoInteractions(DAO);
    }

    @Test
    void oversizedDestinationIsA400() {
        Response response = post("{\"destination\": \"" + "1".repeat(101) + "\", \"body\": \"b\"}");

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(errors(response)).containsExactly("destination size must be between 0 and 100");
        verifyNoInteractions(DAO);
    }

    @Test
    void numberForDestinationIsA400() {
        Response response = post("{\"destination\": 34600000000, \"body\": \"b\"}");

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(errors(response)).containsExactly("destination must be a string");
        verifyNoInteractions(DAO);
    }

    @Test
    void malformedJsonIsA400() {
        Response response = post("{\"destination\": \"x\", \"body\": ");

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(errors(response).get(0)).startsWith("malformed JSON");
        verifyNoInteractions(DAO);
    }

    @Test
    void emptyBodyIsA400() {
        Response response = post("");

        assertThat(response.getStatus()).isEqualTo(400);
        verifyNoInteractions(DAO);
    }

    @Test
    void listPagesWithACursorToTheNextPage() {
        when(DAO.page(0, 2)).thenReturn(List.of(message("a", 1, MessageStatus.OK), message("b", 2, MessageStatus.CLAIMED)));

        MessagePage page = RESOURCES.target("/messages").queryParam("limit", 2).request().get(MessagePage.class);

        assertThat(page.messages()).extracting(m -> m.messageId() + ":" + m.status()).containsExactly("a:OK", "b:QUEUED");
        assertThat(page.next()).isEqualTo("2");
    }

    @Test
    void theLastPageHasNoCursor() {
        when(DAO.page(2, 100)).thenReturn(List.of(message("c", 3, MessageStatus.QUEUED)));

        MessagePage page = RESOURCES.target("/messages").queryParam("after", "2").request().get(MessagePage.class);

        assertThat(page.next()).isNull();
    }

    @Test
    void statusFilterQueuedIncludesClaimedMessages() {
        when(DAO.pageWithStatus(eq(0L), eq(100), eq(List.of("QUEUED", "CLAIMED")))).thenReturn(List.of());

        Response response = RESOURCES.target("/messages").queryParam("status", "QUEUED").request().get();

        assertThat(response.getStatus()).isEqualTo(200);
        verify(DAO).pageWithStatus(0L, 100, List.of("QUEUED", "CLAIMED"));
    }

    @Test
    void badPagingParametersAre400() {
        for (String[] query : new String[][] {{"limit", "0"}, {"limit", "501"}, {"after", "-1"}, {"status", "LOST"}}) {
            Response response = RESOURCES.target("/messages").queryParam(query[0], query[1]).request().get();

            assertThat(response.getStatus()).as(String.join("=", query)).isEqualTo(400);
            assertThat(errors(response).get(0)).as(String.join("=", query)).contains(query[0]);
        }
        verifyNoInteractions(DAO);
    }

    @Test
    void aDatabaseFailureIsA500AndNotAnAcceptedMessage() {
        org.mockito.Mockito.doThrow(new IllegalStateException("database down"))
                .when(DAO).insert(anyString(), anyString(), anyString(), org.mockito.ArgumentMatchers.anyLong());

        Response response = post("{\"destination\": \"x\", \"body\": \"b\"}");

        assertThat(response.getStatus()).isEqualTo(500);
        assertThat(WAKE_UPS).hasValue(0);
    }
}
