package io.canarybalancer.consuldouble.endpoint;

import io.canarybalancer.consuldouble.agent.DoubleConfig;
import io.canarybalancer.consuldouble.agent.LocalAgent;
import io.canarybalancer.consuldouble.agent.RegistrationParser;
import io.canarybalancer.consuldouble.catalog.Catalog;
import io.canarybalancer.consuldouble.catalog.CheckStatus;
import io.canarybalancer.consuldouble.catalog.RegisteredService;
import io.canarybalancer.consuldouble.http.ApiError;
import io.canarybalancer.consuldouble.http.RecordedRequest;
import io.canarybalancer.consuldouble.http.Reply;
import io.canarybalancer.consuldouble.state.StateStore;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The {@code /v1/agent/...} endpoints the kiwiproject {@code AgentClient} uses: service register,
 * deregister and maintenance, check register/deregister, TTL pass/warn/fail/update, node maintenance, and
 * the local reads ({@code services}, {@code checks}, {@code service/:id}, {@code self}). Reads here are
 * agent-local: they see only the agent's own node and never block.
 */
public final class AgentEndpoint {

    private final StateStore store;
    private final Catalog catalog;
    private final LocalAgent agent;
    private final RegistrationParser parser;
    private final JsonRenderer json;
    private final DoubleConfig config;

    public AgentEndpoint(StateStore store, Catalog catalog, LocalAgent agent, RegistrationParser parser,
                         JsonRenderer json, DoubleConfig config) {
        this.store = store;
        this.catalog = catalog;
        this.agent = agent;
        this.parser = parser;
        this.json = json;
        this.config = config;
    }

    Outcome register(RecordedRequest req) {
        agent.register(parser.parseService(req.body()), req.hasParam("replace-existing-checks"));
        return Outcome.done(Reply.emptyOk());
    }

    Outcome deregister(String serviceId) {
        agent.deregister(serviceId, true);
        return Outcome.done(Reply.emptyOk());
    }

    Outcome serviceMaintenance(RecordedRequest req, String serviceId) {
        boolean enable = enableParam(req);
        agent.serviceMaintenance(serviceId, enable, req.param("reason").orElse(""), true);
        return Outcome.done(Reply.emptyOk());
    }

    Outcome nodeMaintenance(RecordedRequest req) {
        agent.nodeMaintenance(enableParam(req), req.param("reason").orElse(""));
        return Outcome.done(Reply.emptyOk());
    }

    Outcome registerCheck(RecordedRequest req) {
        agent.registerCheck(parser.parseCheck(req.body()));
        return Outcome.done(Reply.emptyOk());
    }

    Outcome deregisterCheck(String checkId) {
        agent.deregisterCheck(checkId);
        return Outcome.done(Reply.emptyOk());
    }

    /** {@code pass}, {@code warn} or {@code fail} a TTL check; {@code ?note=} becomes the output. */
    Outcome ttl(RecordedRequest req, String verb, String checkId) {
        String status = switch (verb) {
            case "pass" -> CheckStatus.PASSING;
            case "warn" -> CheckStatus.WARNING;
            default -> CheckStatus.CRITICAL;
        };
        agent.ttlUpdate(checkId, status, req.param("note").orElse(""));
        return Outcome.done(Reply.emptyOk());
    }

    Outcome updateCheck(RecordedRequest req, String checkId) {
        String[] update = parser.parseCheckUpdate(req.body());
        if (!CheckStatus.isValid(update[0])) {
            throw ApiError.badRequest("Invalid check status: '" + update[0] + "'");
        }
        agent.ttlUpdate(checkId, update[0], update[1]);
        return Outcome.done(Reply.emptyOk());
    }

    Outcome services(RecordedRequest req) {
        QueryOptions.rejectFilter(req);
        byte[] body = store.read(() -> json.bytes(
                json.agentServices(catalog.servicesOnNode(agent.nodeName()), config.datacenter()),
                req.hasParam("pretty")));
        return Outcome.done(Reply.json(200, body));
    }

    Outcome service(RecordedRequest req, String serviceId) {
        RegisteredService service = store.read(() -> catalog.service(serviceId))
                .filter(s -> s.node().equals(agent.nodeName()))
                .orElseThrow(() -> ApiError.notFound("unknown service ID: " + serviceId));
        String hash = contentHash(json.bytes(json.agentService(service, config.datacenter(), null), false));
        byte[] body = json.bytes(json.agentService(service, config.datacenter(), hash), req.hasParam("pretty"));
        return Outcome.done(Reply.json(200, body).withHeader("X-Consul-ContentHash", hash));
    }

    Outcome checks(RecordedRequest req) {
        QueryOptions.rejectFilter(req);
        byte[] body = store.read(() -> {
            return json.bytes(json.agentChecks(catalog.checksOnNode(agent.nodeName()),
                    id -> catalog.service(id).map(RegisteredService::tags).orElse(List.of())), req.hasParam("pretty"));
        });
        return Outcome.done(Reply.json(200, body));
    }

    Outcome self(RecordedRequest req) {
        String nodeId = store.read(() -> catalog.node(agent.nodeName()).orElseThrow().id());
        return Outcome.done(Reply.json(200, json.bytes(json.agentSelf(config, nodeId), req.hasParam("pretty"))));
    }

    private static boolean enableParam(RecordedRequest req) {
        if (!req.hasParam("enable")) {
            throw ApiError.badRequest("Missing value for enable");
        }
        String raw = req.param("enable").orElse("");
        return GoStrconv.parseBool(raw)
                .orElseThrow(() -> ApiError.badRequest("Invalid value for enable: \"" + raw + "\""));
    }

    private static String contentHash(byte[] body) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            return Integer.toHexString(new String(body, StandardCharsets.UTF_8).hashCode());
        }
    }
}
