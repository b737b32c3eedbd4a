package io.canarybalancer.message.resources;

import io.canarybalancer.message.api.MessageAccepted;
import io.canarybalancer.message.api.MessagePage;
import io.canarybalancer.message.api.MessageView;
import io.canarybalancer.message.api.SendMessageRequest;
import io.canarybalancer.message.core.Message;
import io.canarybalancer.message.core.MessageRules;
import io.canarybalancer.message.core.MessageStatus;
import io.canarybalancer.message.db.MessageDao;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.time.Clock;
import java.util.List;
import java.util.UUID;

/**
 * The message collection. {@code POST /messages} stores a message as {@code QUEUED} and answers at once
 * with its id (delivery happens off the request thread); {@code GET /messages} pages through them.
 */
@Path("/messages")
@Produces(MediaType.APPLICATION_JSON)
public class MessagesResource {

    private final MessageDao messages;
    private final Runnable onAccepted;
    private final Clock clock;

    /** @param onAccepted called after a message is stored (wakes this replica's delivery workers) */
    public MessagesResource(MessageDao messages, Runnable onAccepted, Clock clock) {
        this.messages = messages;
        this.onAccepted = onAccepted;
        this.clock = clock;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public MessageAccepted send(@NotNull @Valid SendMessageRequest request) {
        String id = UUID.randomUUID().toString();
        messages.insert(id, request.destination(), request.body(), clock.millis());
        onAccepted.run();
        return new MessageAccepted(id);
    }

    /**
     * @param limit  page size, 1 to {@value MessageRules#PAGE_MAX} (default {@value MessageRules#PAGE_DEFAULT})
     * @param after  the previous page's {@code next}
     * @param status only messages with this status
     */
    @GET
    public MessagePage list(@QueryParam("limit") @Min(1) @Max(MessageRules.PAGE_MAX) Integer limit,
                            @QueryParam("after") @Pattern(regexp = "\\d{1,18}") String after,
                            @QueryParam("status") @Pattern(regexp = "QUEUED|SENDING|OK|ERROR|TIMEOUT") String status) {
        int size = limit == null ? MessageRules.PAGE_DEFAULT : limit;
        long afterSeq = after == null ? 0 : Long.parseLong(after);
        List<Message> page = status == null
                ? messages.page(afterSeq, size)
                : messages.pageWithStatus(afterSeq, size, statusesShownAs(MessageStatus.valueOf(status)));
        String next = page.size() < size ? null : Long.toString(page.get(page.size() - 1).seq());
        return new MessagePage(page.stream().map(MessageView::of).toList(), next);
    }

    private static List<String> statusesShownAs(MessageStatus visible) {
        return java.util.Arrays.stream(MessageStatus.values())
                .filter(status -> status.visible() == visible)
                .map(Enum::name)
                .toList();
    }
}
