package io.canarybalancer.consuldouble.endpoint;

import io.canarybalancer.consuldouble.agent.DoubleConfig;
import io.canarybalancer.consuldouble.catalog.Catalog;
import io.canarybalancer.consuldouble.catalog.HealthEntry;
import io.canarybalancer.consuldouble.http.ApiError;
import io.canarybalancer.consuldouble.http.RecordedRequest;
import io.canarybalancer.consuldouble.http.Reply;
import io.canarybalancer.consuldouble.state.StateStore;

import java.util.List;
import java.util.Locale;

/**
 * {@code GET /v1/health/service/:name}: every instance with its node and checks, optionally filtered by
 * {@code passing}, {@code tag} and {@code node-meta}. Filters run after the index is taken, so a change
 * that the filter hides still wakes blocked queries, exactly as in Consul.
 */
public final class HealthEndpoint {

    private final StateStore store;
    private final Catalog catalog;
    private final JsonRenderer json;
    private final DoubleConfig config;

    public HealthEndpoint(StateStore store, Catalog catalog, JsonRenderer json, DoubleConfig config) {
        this.store = store;
        this.catalog = catalog;
        this.json = json;
        this.config = config;
    }

    Outcome service(RecordedRequest req, String serviceName) {
        if (serviceName.isEmpty()) {
            throw ApiError.badRequest("Missing service name");
        }
        QueryOptions options = QueryOptions.parse(req, config);
        boolean passingOnly = passingFilter(req);
        List<String> tags = req.paramValues("tag");
        List<String> nodeMeta = req.paramValues("node-meta");
        boolean pretty = req.hasParam("pretty");
        return new Outcome.Blocking(options,
                () -> store.read(() -> catalog.serviceIndex(serviceName)),
                () -> store.read(() -> {
                    long index = catalog.serviceIndex(serviceName);
                    List<HealthEntry> entries = catalog.health(serviceName).stream()
                            .filter(e -> !passingOnly || e.allPassing())
                            .filter(e -> hasAllTags(e, tags))
                            .filter(e -> nodeMeta.isEmpty() || nodeMetaMatches(nodeMeta))
                            .toList();
                    Reply reply = Reply.json(200, json.bytes(json.health(entries, config.datacenter()), pretty));
                    return options.withReadHeaders(reply, index, config);
                }));
    }

    /** {@code ?passing}, {@code ?passing=true} filter; {@code ?passing=false} does not; junk is a 400. */
    private static boolean passingFilter(RecordedRequest req) {
        if (!req.hasParam("passing")) {
            return false;
        }
        String value = req.param("passing").orElse("");
        if (value.isEmpty()) {
            return true;
        }
        return GoStrconv.parseBool(value).orElseThrow(() -> ApiError.badRequest("Invalid value for ?passing"));
    }

    /** Every requested tag must be present on the instance; Consul compares them case-insensitively. */
    private static boolean hasAllTags(HealthEntry entry, List<String> wanted) {
        List<String> have = entry.service().tags().stream().map(t -> t.toLowerCase(Locale.ROOT)).toList();
        return wanted.stream().allMatch(t -> have.contains(t.toLowerCase(Locale.ROOT)));
    }

    /** Nodes carry Consul's built-in metadata only, so only those pairs can match. */
    private static boolean nodeMetaMatches(List<String> filters) {
        for (String filter : filters) {
            int colon = filter.indexOf(':');
            String key = colon < 0 ? filter : filter.substring(0, colon);
            String value = colon < 0 ? "" : filter.substring(colon + 1);
            boolean matches = (key.equals("consul-network-segment") && value.isEmpty())
                    || (key.equals("consul-version") && value.equals(JsonRenderer.CONSUL_VERSION));
            if (!matches) {
                return false;
            }
        }
        return true;
    }
}
