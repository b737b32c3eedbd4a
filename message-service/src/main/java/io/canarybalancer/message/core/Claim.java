package io.canarybalancer.message.core;

import java.util.Objects;

/**
 * A worker's hold on one message. Every later write about the message names the token, so a worker whose
 * claim was taken over (it stalled past the claim timeout and another replica reclaimed the message)
 * changes nothing and sends nothing.
 *
 * @param messageId   the message
 * @param token       unique to this claim
 * @param destination where it goes
 * @param body        what it says
 * @param attempts    how many claims the message has had, this one included
 */
public record Claim(String messageId, String token, String destination, String body, int attempts) {

    public Claim {
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(token, "token");
    }
}
