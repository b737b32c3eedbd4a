package io.canarybalancer.message.core;

import java.time.Instant;
import java.util.Objects;

/**
 * A message as the queue holds it.
 *
 * @param id          its id, a UUID
 * @param seq         insertion order, for paging and first-come delivery
 * @param destination where it goes
 * @param body        what it says
 * @param status      where its delivery is
 * @param reason      why it ended {@code ERROR} or {@code TIMEOUT}, or why its last attempt failed; may be null
 * @param chargeState where its credit is
 * @param attempts    how many times a worker claimed it
 * @param createdAt   when it was accepted
 * @param updatedAt   when it last changed
 */
public record Message(String id, long seq, String destination, String body, MessageStatus status, String reason,
                      ChargeState chargeState, int attempts, Instant createdAt, Instant updatedAt) {

    public Message {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(chargeState, "chargeState");
    }
}
