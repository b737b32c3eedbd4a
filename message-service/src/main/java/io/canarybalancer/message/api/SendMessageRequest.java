package io.canarybalancer.message.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.canarybalancer.message.core.MessageRules;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/**
 * The body of {@code POST /messages}.
 *
 * @param destination where the message goes, 1 to {@value MessageRules#DESTINATION_MAX_LENGTH} characters
 * @param body        what it says, 1 to {@value MessageRules#BODY_MAX_LENGTH} characters
 */
public record SendMessageRequest(
        @JsonProperty("destination") @NotBlank @Size(max = MessageRules.DESTINATION_MAX_LENGTH) String destination,
        @JsonProperty("body") @NotBlank @Size(max = MessageRules.BODY_MAX_LENGTH) String body) {
}
