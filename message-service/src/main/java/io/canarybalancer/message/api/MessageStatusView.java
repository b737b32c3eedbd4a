package io.canarybalancer.message.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The answer to {@code GET /messages/{id}/status}.
 *
 * @param messageId the message
 * @param status    {@code QUEUED}, {@code SENDING}, {@code OK}, {@code ERROR} or {@code TIMEOUT}
 * @param reason    why it ended {@code ERROR} or {@code TIMEOUT}, or why its last attempt was retried
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MessageStatusView(String messageId, String status, String reason) {
}
