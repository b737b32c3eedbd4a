package io.canarybalancer.message.api;

import java.util.List;

/**
 * One page of {@code GET /messages}, oldest first.
 *
 * @param messages the page
 * @param next     pass as {@code after} for the next page; null on the last page
 */
public record MessagePage(List<MessageView> messages, String next) {

    public MessagePage {
        messages = List.copyOf(messages);
    }
}
