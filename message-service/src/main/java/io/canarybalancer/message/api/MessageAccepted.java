package io.canarybalancer.message.api;

/**
 * The answer to {@code POST /messages}: the message is stored and queued.
 *
 * @param messageId its id, for {@code GET /messages/{id}/status}
 */
public record MessageAccepted(String messageId) {
}
