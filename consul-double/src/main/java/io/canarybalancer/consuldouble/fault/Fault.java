package io.canarybalancer.consuldouble.fault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.canarybalancer.consuldouble.http.RecordedRequest;
import io.canarybalancer.consuldouble.http.Reply;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * One way the double can misbehave for a request, modelled on what a real Consul agent or the network
 * does during outages. Arm faults through {@link io.canarybalancer.consuldouble.ConsulDouble#faults()}:
 * <pre>{@code
 * consul.faults().next(3, Fault.noLeader());
 * consul.faults().onPath("/v1/health/").always(Fault.hang());
 * consul.faults().clear();
 * }</pre>
 * Error faults answer at once; {@link #hang()}, {@link #closeConnection()} and the resets act on the
 * connection; "rewrite" faults ({@link #malformedJson()}, {@link #withoutIndexHeader()}, ...) serve the
 * request normally, blocking included, and then corrupt the answer.
 */
public final class Fault {

    /** How the server acts on a claimed request; read by the server, not meant for tests. */
    public enum Kind { ERROR, HANG, DELAY, CLOSE, RESET, RESET_MID_RESPONSE, REWRITE, OUTAGE }

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Kind kind;
    private final String description;
    private final Reply errorReply;
    private final Duration duration;
    private final UnaryOperator<Reply> rewrite;

    private Fault(Kind kind, String description, Reply errorReply, Duration duration, UnaryOperator<Reply> rewrite) {
        this.kind = kind;
        this.description = description;
        this.errorReply = errorReply;
        this.duration = duration;
        this.rewrite = rewrite;
    }

    // ---- error answers -----------------------------------------------------------------------------

    /** {@code 500 No cluster leader}: a server agent while raft has no leader. */
    public static Fault noLeader() {
        return error(500, "No cluster leader");
    }

    /** {@code 500 rpc error making call: No cluster leader}: a client agent while the servers lost the leader. */
    public static Fault rpcNoLeader() {
        return error(500, "rpc error making call: No cluster leader");
    }

    /** {@code 500 No known Consul servers}: a client agent that cannot reach any server. */
    public static Fault noKnownServers() {
        return error(500, "No known Consul servers");
    }

    /** {@code 429}: the agent's RPC rate limit was hit. */
    public static Fault rateLimited() {
        return error(429, "rpc rate limit exceeded");
    }

    /** {@code 403 ACL not found}: the token is unknown to the cluster. */
    public static Fault aclNotFound() {
        return error(403, "ACL not found");
    }

    /** Any status with a plain-text body. */
    public static Fault error(int status, String message) {
        return new Fault(Kind.ERROR, status + " " + message, Reply.text(status, message), null, null);
    }

    // ---- connection-level ---------------------------------------------------------------------------

    /** Accept the request and never answer (until the client gives up or the double closes). */
    public static Fault hang() {
        return new Fault(Kind.HANG, "hang", null, null, null);
    }

    /** Serve normally after {@code delay}: a slow agent that still answers in time. */
    public static Fault delay(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        return new Fault(Kind.DELAY, "delay " + delay, null, delay, null);
    }

    /** Close the connection (FIN) without answering. */
    public static Fault closeConnection() {
        return new Fault(Kind.CLOSE, "close connection", null, null, null);
    }

    /** Reset the connection (RST, via SO_LINGER 0) without answering. */
    public static Fault resetConnection() {
        return new Fault(Kind.RESET, "reset connection", null, null, null);
    }

    /** Send the status line, headers and half of the body, then reset the connection. */
    public static Fault resetMidResponse() {
        return new Fault(Kind.RESET_MID_RESPONSE, "reset mid-response", null, null, null);
    }

    // ---- corrupted answers -------------------------------------------------------------------------

    /** A 200 whose JSON body is cut in half (index headers intact). */
    public static Fault malformedJson() {
        return rewrite("malformed JSON", reply -> {
            byte[] body = reply.body();
            byte[] broken = body.length >= 2 ? Arrays.copyOf(body, body.length / 2)
                    : "[{\"Node\":".getBytes(StandardCharsets.UTF_8);
            return reply.withBody(broken);
        });
    }

    /**
     * Removes a field from every element of the JSON answer, by dotted path through objects and arrays:
     * {@code "Service.Address"}, {@code "Node.Node"}, {@code "Checks.Status"}.
     */
    public static Fault removeField(String dottedPath) {
        return rewrite("remove field " + dottedPath, reply -> editJson(reply, dottedPath, false));
    }

    /** Sets a field to JSON {@code null} in every element of the answer (same paths as {@link #removeField}). */
    public static Fault nullField(String dottedPath) {
        return rewrite("null field " + dottedPath, reply -> editJson(reply, dottedPath, true));
    }

    /** Replaces the body entirely, keeping status and headers. */
    public static Fault body(String replacement) {
        byte[] bytes = replacement.getBytes(StandardCharsets.UTF_8);
        return rewrite("replace body", reply -> reply.withBody(bytes));
    }

    /**
     * A stale read from a lagging server: this JSON body at this {@code X-Consul-Index}, whatever
     * the state now, as a follower answers with the state it has applied so far.
     */
    public static Fault staleAnswer(String json, long index) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        return rewrite("stale answer at index " + index,
                reply -> reply.withBody(bytes).withHeader("X-Consul-Index", Long.toString(index)));
    }

    /** Drops {@code X-Consul-Index}: a careless client then polls with {@code index=0} in a tight loop. */
    public static Fault withoutIndexHeader() {
        return rewrite("no X-Consul-Index", reply -> reply.withoutHeader("X-Consul-Index"));
    }

    /** Sends {@code X-Consul-Index} with any value: {@code "0"}, {@code "abc"}, {@code "-1"}. */
    public static Fault indexHeader(String value) {
        return rewrite("X-Consul-Index: " + value, reply -> reply.withHeader("X-Consul-Index", value));
    }

    /** {@code X-Consul-KnownLeader: false} and a large {@code X-Consul-LastContact}, otherwise a normal answer. */
    public static Fault unknownLeader(Duration lastContact) {
        return rewrite("unknown leader", reply -> reply
                .withHeader("X-Consul-KnownLeader", "false")
                .withHeader("X-Consul-LastContact", Long.toString(lastContact.toMillis())));
    }

    /**
     * A leader outage as a client sees it: consistent reads of health and KV and all KV writes answer
     * {@code 500 No cluster leader}; {@code ?stale} reads still answer 200 with
     * {@code X-Consul-KnownLeader: false} and {@code X-Consul-LastContact} of {@code lastContact};
     * {@code /v1/status/leader} answers {@code ""}; agent-local endpoints keep working.
     */
    public static Fault leaderOutage(Duration lastContact) {
        Objects.requireNonNull(lastContact, "lastContact");
        return new Fault(Kind.OUTAGE, "leader outage", Reply.text(500, "No cluster leader"), lastContact,
                reply -> reply.withHeader("X-Consul-KnownLeader", "false")
                        .withHeader("X-Consul-LastContact", Long.toString(lastContact.toMillis())));
    }

    /** {@link #leaderOutage(Duration)} with a 30 s last contact. */
    public static Fault leaderOutage() {
        return leaderOutage(Duration.ofSeconds(30));
    }

    private static Fault rewrite(String description, UnaryOperator<Reply> rewrite) {
        return new Fault(Kind.REWRITE, description, null, null, rewrite);
    }

    private static Reply editJson(Reply reply, String dottedPath, boolean setNull) {
        JsonNode root;
        try {
            root = MAPPER.readTree(reply.body());
        } catch (IOException e) {
            return reply;
        }
        if (root == null) {
            return reply;
        }
        edit(root, dottedPath.split("\\."), 0, setNull);
        try {
            return reply.withBody(MAPPER.writeValueAsBytes(root));
        } catch (IOException e) {
            return reply;
        }
    }

    private static void edit(JsonNode node, String[] path, int depth, boolean setNull) {
        if (node.isArray()) {
            node.forEach(element -> edit(element, path, depth, setNull));
            return;
        }
        if (!node.isObject()) {
            return;
        }
        ObjectNode object = (ObjectNode) node;
        if (depth == path.length - 1) {
            if (setNull) {
                object.putNull(path[depth]);
            } else {
                object.remove(path[depth]);
            }
            return;
        }
        JsonNode child = object.get(path[depth]);
        if (child != null) {
            edit(child, path, depth + 1, setNull);
        }
    }

    /** What the server does with the request (read by the server when it applies the fault). */
    public Kind kind() {
        return kind;
    }

    /** The answer of an error fault (and of a leader outage's failing requests); null otherwise. */
    public Reply errorReply() {
        return errorReply;
    }

    /** The delay of {@link #delay(Duration)}, the last contact of {@link #leaderOutage(Duration)}; else null. */
    public Duration duration() {
        return duration;
    }

    /** Applies a rewrite fault to the answer the request would have had; other faults leave it as is. */
    public Reply rewrite(Reply reply) {
        return rewrite == null ? reply : rewrite.apply(reply);
    }

    /** @return a short human-readable description, also stored on {@link RecordedRequest#fault()} */
    public String description() {
        return description;
    }

    @Override
    public String toString() {
        return description;
    }
}
