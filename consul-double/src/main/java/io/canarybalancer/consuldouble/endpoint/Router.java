package io.canarybalancer.consuldouble.endpoint;

import io.canarybalancer.consuldouble.agent.DoubleConfig;
import io.canarybalancer.consuldouble.http.ApiError;
import io.canarybalancer.consuldouble.http.RecordedRequest;
import io.canarybalancer.consuldouble.http.Reply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * Maps a decoded path to its endpoint, enforces the allowed methods (405 with {@code Allow}), applies the
 * optional ACL check, and turns every {@link ApiError} into Consul's plain-text error answer.
 */
public final class Router {

    private static final Logger LOG = LoggerFactory.getLogger(Router.class);

    private record Route(String path, boolean prefix, List<String> methods,
                         BiFunction<RecordedRequest, String, Outcome> handler) {

        Optional<String> match(String requestPath) {
            if (prefix) {
                return requestPath.startsWith(path) ? Optional.of(requestPath.substring(path.length())) : Optional.empty();
            }
            return requestPath.equals(path) ? Optional.of("") : Optional.empty();
        }
    }

    private static final List<String> GET = List.of("GET");
    private static final List<String> PUT = List.of("PUT");

    private final List<Route> routes;
    private final DoubleConfig config;

    public Router(HealthEndpoint health, AgentEndpoint agent, KvEndpoint kv, StatusEndpoint status, DoubleConfig config) {
        this.config = config;
        this.routes = List.of(
                new Route("/v1/health/service/", true, GET, health::service),
                new Route("/v1/kv/", true, List.of("GET", "PUT", "DELETE"), (req, key) -> switch (req.method()) {
                    case "GET" -> kv.get(req, key);
                    case "PUT" -> kv.put(req, key);
                    default -> kv.delete(req, key);
                }),
                new Route("/v1/agent/service/register", false, PUT, (req, rest) -> agent.register(req)),
                new Route("/v1/agent/service/deregister/", true, PUT, (req, id) -> agent.deregister(id)),
                new Route("/v1/agent/service/maintenance/", true, PUT, agent::serviceMaintenance),
                new Route("/v1/agent/service/", true, GET, agent::service),
                new Route("/v1/agent/services", false, GET, (req, rest) -> agent.services(req)),
                new Route("/v1/agent/checks", false, GET, (req, rest) -> agent.checks(req)),
                new Route("/v1/agent/self", false, GET, (req, rest) -> agent.self(req)),
                new Route("/v1/agent/maintenance", false, PUT, (req, rest) -> agent.nodeMaintenance(req)),
                new Route("/v1/agent/check/register", false, PUT, (req, rest) -> agent.registerCheck(req)),
                new Route("/v1/agent/check/deregister/", true, PUT, (req, id) -> agent.deregisterCheck(id)),
                new Route("/v1/agent/check/pass/", true, PUT, (req, id) -> agent.ttl(req, "pass", id)),
                new Route("/v1/agent/check/warn/", true, PUT, (req, id) -> agent.ttl(req, "warn", id)),
                new Route("/v1/agent/check/fail/", true, PUT, (req, id) -> agent.ttl(req, "fail", id)),
                new Route("/v1/agent/check/update/", true, PUT, agent::updateCheck),
                new Route("/v1/status/leader", false, GET, (req, rest) -> status.leader()),
                new Route("/v1/status/peers", false, GET, (req, rest) -> status.peers()));
    }

    public Outcome route(RecordedRequest req) {
        try {
            String path = req.path().equals("/v1/kv") ? "/v1/kv/" : req.path();
            for (Route route : routes) {
                Optional<String> rest = route.match(path);
                if (rest.isEmpty()) {
                    continue;
                }
                String allowed = String.join(",", route.methods());
                if (req.method().equals("OPTIONS")) {
                    return Outcome.done(Reply.emptyOk().withHeader("Allow", allowed));
                }
                if (!route.methods().contains(req.method())) {
                    throw ApiError.methodNotAllowed(req.method(), allowed);
                }
                checkAcl(req);
                return route.handler().apply(req, rest.get());
            }
            throw ApiError.notFound("404 page not found");
        } catch (ApiError e) {
            return Outcome.done(e.toReply());
        } catch (RuntimeException e) {
            LOG.error("Consul double failed on {}", req, e);
            return Outcome.done(Reply.text(500, "consul double internal error: " + e));
        }
    }

    /** With tokens configured, unknown tokens get {@code 403 ACL not found}; the status endpoints need none. */
    private void checkAcl(RecordedRequest req) {
        if (config.aclTokens().isEmpty() || req.path().startsWith("/v1/status/")) {
            return;
        }
        Optional<String> token = req.token();
        if (token.isEmpty()) {
            throw new ApiError(403, "Permission denied: anonymous token lacks permission");
        }
        if (!config.aclTokens().contains(token.get())) {
            throw new ApiError(403, "ACL not found");
        }
    }
}
