package io.canarybalancer.consuldouble.endpoint;

import io.canarybalancer.consuldouble.agent.DoubleConfig;
import io.canarybalancer.consuldouble.http.ApiError;
import io.canarybalancer.consuldouble.http.RecordedRequest;
import io.canarybalancer.consuldouble.http.Reply;
import io.canarybalancer.consuldouble.kv.KvEntry;
import io.canarybalancer.consuldouble.kv.KvStore;
import io.canarybalancer.consuldouble.state.StateStore;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * {@code /v1/kv/:key} for GET (single, {@code ?recurse}, {@code ?keys}, {@code ?raw}, blocking), PUT
 * (raw body, {@code ?flags}, {@code ?cas}) and DELETE ({@code ?recurse}, {@code ?cas}). The key is the
 * whole decoded remainder of the path. Sessions do not exist in the double, so {@code ?acquire} fails the
 * way an unknown session does.
 */
public final class KvEndpoint {

    static final int MAX_VALUE_SIZE = 512 * 1024;

    private final StateStore store;
    private final KvStore kv;
    private final JsonRenderer json;
    private final DoubleConfig config;

    public KvEndpoint(StateStore store, KvStore kv, JsonRenderer json, DoubleConfig config) {
        this.store = store;
        this.kv = kv;
        this.json = json;
        this.config = config;
    }

    Outcome get(RecordedRequest req, String key) {
        QueryOptions options = QueryOptions.parse(req, config);
        boolean pretty = req.hasParam("pretty");
        if (req.hasParam("keys")) {
            String separator = req.param("separator").orElse("");
            return new Outcome.Blocking(options, () -> store.read(() -> kv.prefixIndex(key)),
                    () -> store.read(() -> {
                        long index = kv.prefixIndex(key);
                        List<String> keys = kv.keys(key, separator);
                        Reply reply = keys.isEmpty() && !key.isEmpty() ? notFound()
                                : Reply.json(200, json.bytes(json.strings(keys), pretty));
                        return options.withReadHeaders(reply, index, config);
                    }));
        }
        if (req.hasParam("recurse")) {
            return new Outcome.Blocking(options, () -> store.read(() -> kv.prefixIndex(key)),
                    () -> store.read(() -> {
                        long index = kv.prefixIndex(key);
                        List<KvEntry> entries = kv.list(key);
                        Reply reply = entries.isEmpty() ? notFound()
                                : Reply.json(200, json.bytes(json.kvEntries(entries), pretty));
                        return options.withReadHeaders(reply, index, config);
                    }));
        }
        requireKey(key);
        boolean raw = req.hasParam("raw");
        return new Outcome.Blocking(options, () -> store.read(() -> kv.keyIndex(key)),
                () -> store.read(() -> {
                    long index = kv.keyIndex(key);
                    Optional<KvEntry> entry = kv.get(key);
                    Reply reply;
                    if (entry.isEmpty()) {
                        reply = notFound();
                    } else if (raw) {
                        reply = new Reply(200, Map.of("Content-Type", "text/plain",
                                "X-Content-Type-Options", "nosniff"), entry.get().value());
                    } else {
                        reply = Reply.json(200, json.bytes(json.kvEntries(List.of(entry.get())), pretty));
                    }
                    return options.withReadHeaders(reply, index, config);
                }));
    }

    Outcome put(RecordedRequest req, String key) {
        requireKey(key);
        long conflicting = List.of("cas", "acquire", "release").stream().filter(req::hasParam).count();
        if (conflicting > 1) {
            throw ApiError.badRequest("Conflicting flags: " + req.uri().substring(req.uri().indexOf('?') + 1));
        }
        String session = req.param("acquire").or(() -> req.param("release")).orElse(null);
        if (session != null) {
            throw new ApiError(500, "invalid session \"" + session + "\"");
        }
        long flags = req.hasParam("flags")
                ? GoStrconv.parseUint(req.param("flags").orElse(""))
                        .orElseThrow(() -> ApiError.badRequest("Invalid flags: " + req.param("flags").orElse("")))
                : 0;
        Long cas = casParam(req);
        byte[] value = req.body();
        if (value.length > MAX_VALUE_SIZE) {
            throw new ApiError(413, "Request body(" + value.length + " bytes) too large, max size: "
                    + MAX_VALUE_SIZE + " bytes.");
        }
        boolean ok = store.write(txn -> kv.put(txn, key, value, flags, cas));
        return Outcome.done(bool(ok));
    }

    Outcome delete(RecordedRequest req, String key) {
        if (req.hasParam("recurse")) {
            store.write(txn -> {
                kv.deleteTree(txn, key);
                return null;
            });
            return Outcome.done(bool(true));
        }
        requireKey(key);
        Long cas = casParam(req);
        boolean ok = store.write(txn -> kv.delete(txn, key, cas));
        return Outcome.done(bool(ok));
    }

    private static Long casParam(RecordedRequest req) {
        if (!req.hasParam("cas")) {
            return null;
        }
        String text = req.param("cas").orElse("");
        OptionalLong cas = GoStrconv.parseUint(text);
        if (cas.isEmpty()) {
            throw ApiError.badRequest("Invalid cas index: " + text);
        }
        return cas.getAsLong();
    }

    private static void requireKey(String key) {
        if (key.isEmpty()) {
            throw ApiError.badRequest("Missing key name");
        }
    }

    /** Consul's missing-key answer: 404, empty body, no Content-Type, index headers added by the caller. */
    private static Reply notFound() {
        return new Reply(404, Map.of(), new byte[0]);
    }

    private static Reply bool(boolean value) {
        return Reply.json(200, Boolean.toString(value).getBytes(StandardCharsets.US_ASCII));
    }
}
