package io.canarybalancer.message.resources;

import com.fasterxml.jackson.databind.JsonNode;
import io.canarybalancer.message.api.MessageStatusView;
import io.canarybalancer.message.api.MessageView;
import io.canarybalancer.message.core.ChargeState;
import io.canarybalancer.message.core.Message;
import io.canarybalancer.message.core.MessageStatus;
import io.canarybalancer.message.db.MessageDao;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.dropwizard.testing.junit5.ResourceExtension;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.reset;
import static org.mockito.Mockito.when;

@ExtendWith(DropwizardExtensionsSupport.class)
class MessageResourceTest {

    private static final MessageDao DAO = mock(MessageDao.class);

    static final ResourceExtension RESOURCES = ResourceExtension.builder()
            .addResource(new MessageResource(DAO))
            .build();

    @AfterEach
    void resetDao() {
        reset(DAO);
    }

    private static void stored(String id, MessageStatus status, String reason) {
        when(DAO.find(id)).thenReturn(Optional.of(new Message(id, 1, "+34600000000", "hi", status, reason,
                ChargeState.NONE, 1, Instant.ofEpochSecond(10), Instant.ofEpochSecond(20))));
    }

    @Test
    void statusOfAKnownMessageOnBothPaths() {
        stored("m-1", MessageStatus.ERROR, "insufficient credit");

        for (String path : new String[] {"/messages/m-1/status", "/message/m-1/status"}) {
            MessageStatusView status = RESOURCES.target(path).request().get(MessageStatusView.class);

            assertThat(status).isEqualTo(new MessageStatusView("m-1", "ERROR", "insufficient credit"));
        }
    }

    @Test
    void aClaimedMessageShowsAsQueued() {
        stored("m-1", MessageStatus.CLAIMED, null);

        assertThat(RESOURCES.target("/messages/m-1/status").request().get(MessageStatusView.class).status())
                .isEqualTo("QUEUED");
    }

    @Test
    void theWholeMessage() {
        stored("m-1", MessageStatus.OK, null);

        MessageView message = RESOURCES.target("/messages/m-1").request().get(MessageView.class);

        assertThat(message.destination()).isEqualTo("+34600000000");
        assertThat(message.status()).isEqualTo("OK");
        assertThat(message.createdAt()).isEqualTo(Instant.ofEpochSecond(10));
    }

    @Test
    void unknownIdIs404WithAJsonErrorOnEveryPath() {
        when(DAO.find("nope")).thenReturn(Optional.empty());

        for (String path : new String[] {"/messages/nope", "/messages/nope/status", "/message/nope/status"}) {
            Response response = RESOURCES.target(path).request().get();

            assertThat(response.getStatus()).as(path).isEqualTo(404);
            JsonNode error = response.readEntity(JsonNode.class);
            assertThat(error.get("code").asInt()).isEqualTo(404);
            assertThat(error.get("message").asText()).isEqualTo("no message with id nope");
        }
    }
}
