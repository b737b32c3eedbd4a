package io.canarybalancer.consuldouble.endpoint;

import io.canarybalancer.consuldouble.agent.DoubleConfig;
import io.canarybalancer.consuldouble.http.Reply;

import java.util.List;

/** {@code /v1/status/leader} and {@code /v1/status/peers}; the kiwiproject client pings the former. */
public final class StatusEndpoint {

    private final JsonRenderer json;
    private final DoubleConfig config;

    public StatusEndpoint(JsonRenderer json, DoubleConfig config) {
        this.json = json;
        this.config = config;
    }

    Outcome leader() {
        return Outcome.done(Reply.json(200, json.bytes(json.string(serverAddress()), false)));
    }

    /** What the leader endpoint answers while the cluster has no leader: 200 with an empty string. */
    public Outcome noLeader() {
        return Outcome.done(Reply.json(200, json.bytes(json.string(""), false)));
    }

    Outcome peers() {
        return Outcome.done(Reply.json(200, json.bytes(json.strings(List.of(serverAddress())), false)));
    }

    private String serverAddress() {
        return config.nodeAddress() + ":8300";
    }
}
