package io.canarybalancer.consuldouble.endpoint;

import io.canarybalancer.consuldouble.agent.DoubleConfig;
import io.canarybalancer.consuldouble.http.ApiError;
import io.canarybalancer.consuldouble.http.GoDuration;
import io.canarybalancer.consuldouble.http.RecordedRequest;
import io.canarybalancer.consuldouble.http.Reply;

import java.time.Duration;

/**
 * The query parameters every blocking-capable read shares ({@code index}, {@code wait}, consistency,
 * {@code dc}, {@code ns}, {@code filter}), validated with Consul's status codes and messages.
 *
 * @param index       the client's index as an unsigned 64-bit value; 0 means "do not block"
 * @param waitTime    how long to hold the request, already defaulted and capped (jitter not included)
 * @param consistency {@code leader}, {@code stale} or {@code consistent}
 * @param cached      whether {@code ?cached} was sent
 */
public record QueryOptions(long index, Duration waitTime, String consistency, boolean cached) {

    static QueryOptions parse(RecordedRequest req, DoubleConfig config) {
        String dc = req.param("dc").orElse("");
        if (!dc.isEmpty() && !dc.equals(config.datacenter())) {
            throw new ApiError(500, "No path to datacenter");
        }
        boolean stale = req.hasParam("stale");
        boolean consistent = req.hasParam("consistent");
        if (stale && consistent) {
            throw ApiError.badRequest("Cannot specify ?stale with ?consistent, conflicting semantics.");
        }
        if (req.hasParam("max_stale")) {
            parseDuration(req.param("max_stale").orElse(""), "Invalid max_stale value");
            stale = !consistent;
        }
        Duration wait = config.defaultWait();
        String waitText = req.param("wait").orElse("");
        if (!waitText.isEmpty()) {
            Duration requested = parseDuration(waitText, "Invalid wait time");
            if (requested.compareTo(Duration.ZERO) > 0) {
                wait = requested.compareTo(config.maxWait()) > 0 ? config.maxWait() : requested;
            }
        }
        long index = 0;
        String indexText = req.param("index").orElse("");
        if (!indexText.isEmpty()) {
            index = GoStrconv.parseUint(indexText).orElseThrow(() -> ApiError.badRequest("Invalid index"));
        }
        String ns = req.param("ns").orElse(req.header("X-Consul-Namespace").orElse(""));
        if (!ns.isEmpty()) {
            throw ApiError.badRequest("Invalid query parameter: \"ns\" - Namespaces are a Consul Enterprise feature");
        }
        rejectFilter(req);
        String mode = stale ? "stale" : consistent ? "consistent" : "leader";
        return new QueryOptions(index, wait, mode, req.hasParam("cached"));
    }

    /**
     * The double does not evaluate bexpr filters; answering unfiltered data would let a test pass for
     * the wrong reason, so it fails loudly with the 400 a broken filter gets from Consul.
     */
    static void rejectFilter(RecordedRequest req) {
        if (!req.param("filter").orElse("").isEmpty()) {
            throw ApiError.badRequest("Failed to create boolean expression evaluator: "
                    + "?filter is not supported by the Consul test double");
        }
    }

    boolean blocks() {
        return index != 0;
    }

    /** Adds the headers Consul sets on every answer of a blocking-capable read. */
    Reply withReadHeaders(Reply reply, long resultIndex, DoubleConfig config) {
        Reply out = reply
                .withHeader("X-Consul-Index", Long.toUnsignedString(Math.max(resultIndex, 1)))
                .withHeader("X-Consul-KnownLeader", "true")
                .withHeader("X-Consul-LastContact", "0")
                .withHeader("X-Consul-Effective-Consistency", consistency)
                .withHeader("X-Consul-Query-Backend", "blocking-query")
                .withHeader("X-Consul-Default-Acl-Policy", config.aclTokens().isEmpty() ? "allow" : "deny");
        return cached ? out.withHeader("X-Cache", "MISS").withHeader("Age", "0") : out;
    }

    private static Duration parseDuration(String text, String error) {
        try {
            return GoDuration.parse(text);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(error);
        }
    }
}
