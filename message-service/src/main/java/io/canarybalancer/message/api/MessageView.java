package io.canarybalancer.message.api;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.canarybalancer.message.core.Message;

import java.time.Instant;

/**
 * A message as {@code GET /messages} lists it.
 *
 * @param messageId   its id
 * @param destination where it goes
 * @param body        what it says
 * @param status      {@code QUEUED}, {@code SENDING}, {@code OK}, {@code ERROR} or {@code TIMEOUT}
 * @param reason      why it ended {@code ERROR} or {@code TIMEOUT}, if it did
 * @param createdAt   when it was accepted
 * @param updatedAt   when it last changed
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MessageView(String messageId, String destination, String body, String status, String reason,
                          @JsonFormat(shape = JsonFormat.Shape.STRING) Instant createdAt,
                          @JsonFormat(shape = JsonFormat.Shape.STRING) Instant updatedAt) {

    /** @return the view of {@code message} */
    public static MessageView of(Message message) {
        return new MessageView(message.id(), message.destination(), message.body(),
                message.status().visible().name(), message.reason(), message.createdAt(), message.updatedAt());
    }
}
