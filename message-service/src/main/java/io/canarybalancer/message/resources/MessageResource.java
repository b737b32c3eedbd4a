package io.canarybalancer.message.resources;

import io.canarybalancer.message.api.MessageStatusView;
import io.canarybalancer.message.api.MessageView;
import io.canarybalancer.message.core.Message;
import io.canarybalancer.message.db.MessageDao;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * One message: {@code GET /messages/{id}}, {@code GET /messages/{id}/status}, and the original exercise's
 * {@code GET /message/{id}/status}. An unknown id is a 404.
 */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public class MessageResource {

    private final MessageDao messages;

    public MessageResource(MessageDao messages) {
        this.messages = messages;
    }

    @GET
    @Path("messages/{id}")
    public MessageView message(@PathParam("id") String id) {
        return MessageView.of(find(id));
    }

    @GET
    @Path("messages/{id}/status")
    public MessageStatusView status(@PathParam("id") String id) {
        Message message = find(id);
        return new MessageStatusView(message.id(), message.status().visible().name(), message.reason());
    }

    /** The original exercise's path, kept for its clients. */
    @GET
    @Path("message/{id}/status")
    public MessageStatusView originalStatus(@PathParam("id") String id) {
        return status(id);
    }

    private Message find(String id) {
        return messages.find(id).orElseThrow(() -> new NotFoundException("no message with id " + id));
    }
}
