package io.canarybalancer.balancer.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.canarybalancer.balancer.analysis.AnalysisStatus;
import io.canarybalancer.balancer.config.spec.AnalysisSettings;
import io.canarybalancer.balancer.config.spec.RouteSpec;
import io.canarybalancer.balancer.discovery.consul.WatchState;
import io.canarybalancer.balancer.metrics.TrafficStats.PoolCounts;
import io.canarybalancer.balancer.metrics.TrafficStats.TunnelCounts;
import io.canarybalancer.balancer.mirror.CompareRules;
import io.canarybalancer.balancer.mirror.Difference;
import io.canarybalancer.balancer.mirror.MirrorSettings;
import io.canarybalancer.balancer.mirror.RecentDifference;
import io.canarybalancer.balancer.mirror.RouteMirror;
import io.canarybalancer.balancer.proxy.PassiveHealth.Ejection;
import io.canarybalancer.balancer.proxy.pool.ConnectionCounts;
import io.canarybalancer.balancer.rollout.RolloutState;
import io.canarybalancer.balancer.rollout.RolloutState.AutoRollback;
import io.canarybalancer.balancer.route.Pool;
import io.canarybalancer.balancer.route.PoolRole;
import io.canarybalancer.balancer.route.Replica;
import io.canarybalancer.balancer.route.Route;
import io.canarybalancer.balancer.route.RoutePolicy;
import io.canarybalancer.balancer.route.StickyRule;
import io.canarybalancer.balancer.tls.CertificateFacts;
import io.canarybalancer.balancer.tls.CertificateStatus;
import io.canarybalancer.balancer.tls.TlsEngine;
import io.canarybalancer.balancer.tls.TlsListener;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The JSON of {@code GET /status}: routes, pools, replicas with expected and observed shares, watches, TLS. */
final class StatusView {
    static final ObjectMapper JSON = new ObjectMapper();

    private StatusView() {
    }

    static ObjectNode status(AdminContext context) {
        ObjectNode root = JSON.createObjectNode().put("version", context.version());
        ObjectNode discovery = root.putObject("discovery")
                .put("kind", context.discovery())
                .put("rolloutShared", context.rollouts().shared());
        ArrayNode watches = discovery.putArray("watches");
        Instant now = Instant.now();
        for (WatchState watch : context.watches().get()) {
            ObjectNode node = watches.addObject()
                    .put("service", watch.service())
                    .put("stale", watch.stale())
                    .put("index", watch.index())
                    .put("consecutiveFailures", watch.consecutiveFailures())
                    .put("holdingReplicas", watch.holdingReplicas())
                    .put("replicas", watch.replicas())
                    .put("knownLeader", watch.knownLeader())
                    .put("skippedInstances", watch.skipped().size());
            ArrayNode skipped = node.putArray("skipped");
            watch.skipped().forEach(instance -> skipped.addObject()
                    .put("id", instance.id()).put("reason", instance.reason()));
            node.put("lastSuccess", watch.lastSuccess() == null ? null : watch.lastSuccess().toString());
            Duration since = watch.sinceLastSuccess(now);
            node.put("secondsSinceLastSuccess", since == null ? null : since.toMillis() / 1000.0);
            node.put("lastError", watch.lastError());
        }
        root.set("tls", tls(context.tls(), now));
        root.put("unroutedRequests", context.stats().unroutedRequests());
        Map<String, Ejection> ejections = context.ejections().get();
        ObjectNode ejected = root.putObject("ejections");
        ejections.forEach((address, ejection) -> ejected.putObject(address)
                .put("consecutiveFailures", ejection.consecutiveFailures())
                .put("ejectedForMillis", ejection.ejectedForMillis())
                .put("lastFailure", ejection.lastFailure()));
        ArrayNode routes = root.putArray("routes");
        for (Route route : context.routes().get().routes()) {
            context.rollouts().route(route.name())
                    .ifPresent(spec -> routes.add(route(context, route, spec, ejections)));
        }
        return root;
    }

    private static ObjectNode route(AdminContext context, Route route, RouteSpec spec, Map<String, Ejection> ejections) {
        RolloutState rollout = context.rollouts().state(spec);
        RoutePolicy policy = route.policy();
        ObjectNode node = JSON.createObjectNode()
                .put("name", route.name())
                .put("pathPrefix", route.pathPrefix())
                .put("waiting", route.waiting())
                .put("strategy", rollout.strategy().label())
                .put("weight", rollout.weight())
                .put("paused", rollout.paused())
                .put("fallback", policy.fallback().label())
                .put("backendProtocol", route.upstream().protocol().label());
        if (route.upstream().protocol().http2()) {
            ArrayNode codes = node.putArray("grpcFailureCodes");
            route.upstream().grpcFailures().names().forEach(codes::add);
        }
        node.putObject("header").put("name", policy.header().name()).put("value", policy.header().value());
        if (policy.sticky() != null) {
            node.putObject("sticky")
                    .put("source", policy.sticky().source().label())
                    .put("name", policy.sticky().name())
                    .put("canaryBuckets", route.canaryBuckets())
                    .put("buckets", StickyRule.BUCKETS);
        }
        node.put("canaryHalted", policy.canaryHalted());
        node.set("autoRollback", rollback(rollout.autoRollback()));
        AnalysisStatus analysis = context.analysis().get().get(route.name());
        node.set("analysis", spec.analysis() == null ? null : analysis(spec.analysis(), analysis));
        RouteMirror mirror = context.mirrors().forRoute(route.name());
        node.set("mirror", mirror == null ? null : mirror(mirror, route));
        double canaryShare = expectedCanaryShare(route);
        PoolCounts stableCounts = context.stats().counts(route.name(), PoolRole.STABLE.label());
        PoolCounts canaryCounts = context.stats().counts(route.name(), PoolRole.CANARY.label());
        PoolCounts refusedCounts = context.stats().counts(route.name(), "none");
        // The expected shares hold for un-flagged requests only: flagged ones go to the canary by design.
        long unflagged = stableCounts.unflagged() + canaryCounts.unflagged();
        ObjectNode pools = node.putObject("pools");
        pools.set("stable", pool(context, route, route.stable(), 1 - canaryShare, stableCounts, unflagged, ejections));
        pools.set("canary", pool(context, route, route.canary(), canaryShare, canaryCounts, unflagged, ejections));
        node.putObject("flagged")
                .put("stable", stableCounts.flagged())
                .put("canary", canaryCounts.flagged())
                .put("refused", refusedCounts.flagged());
        ObjectNode refused = node.putObject("refused");
        refusedCounts.byStatusClass().forEach(refused::put);
        return node;
    }

    /**
     * One pool: its replicas and its requests, all of them by status class and apart by flag, and
     * its observed share of the route's un-flagged requests ({@code unflagged}), which is what the
     * expected share predicts.
     */
    private static ObjectNode pool(AdminContext context, Route route, Pool pool, double share, PoolCounts counts,
                                   long unflagged, Map<String, Ejection> ejections) {
        ObjectNode node = JSON.createObjectNode()
                .put("service", pool.service())
                .put("tag", pool.tag())
                .put("waiting", pool.waiting())
                .put("expectedShare", share)
                .put("observedShare", unflagged == 0 ? null : (double) counts.unflagged() / unflagged);
        ObjectNode requests = node.putObject("requests");
        counts.byStatusClass().forEach(requests::put);
        node.put("requestsTotal", counts.total());
        node.put("unflaggedRequests", counts.unflagged());
        node.put("flaggedRequests", counts.flagged());
        node.put("errors", counts.errors());
        TunnelCounts tunnels = context.stats().tunnelCounts(route.name(), pool.role().label());
        node.putObject("tunnels")
                .put("open", tunnels.open())
                .put("total", tunnels.total())
                .put("clientToBackendBytes", tunnels.clientToBackendBytes())
                .put("backendToClientBytes", tunnels.backendToClientBytes());
        long totalWeight = pool.totalWeight();
        ArrayNode replicas = node.putArray("replicas");
        for (Replica replica : pool.replicas()) {
            String address = replica.host() + ":" + replica.port();
            Ejection ejection = ejections.get(address);
            ObjectNode entry = replicas.addObject()
                    .put("id", replica.id())
                    .put("address", address)
                    .put("weight", replica.weight())
                    .put("health", ejection != null && ejection.ejectedForMillis() > 0 ? "ejected" : "passing")
                    .put("expectedShare", totalWeight == 0 ? 0 : share * replica.weight() / totalWeight)
                    .put("requests", context.stats().replicaRequests(route.name(), replica.role(), replica.id()));
            ConnectionCounts.Counts connections = context.connections().of(replica.address());
            entry.putObject("connections")
                    .put("inUse", connections.inUse())
                    .put("cap", context.connections().cap())
                    .put("open", connections.open())
                    .put("opened", connections.opened())
                    .put("reused", connections.reused())
                    .put("closedByBackend", connections.closedByBackend())
                    .put("refusedAtCap", connections.refused());
        }
        return node;
    }

    /**
     * The TLS engine, and per TLS listener each certificate served: whom it names, until when, its
     * serial, and the last reload's failure while the files on disk are not the ones served.
     */
    static ObjectNode tls(List<TlsListener> listeners, Instant now) {
        TlsEngine engine = listeners.isEmpty() ? TlsEngine.available() : listeners.get(0).terminator().engine();
        ObjectNode node = JSON.createObjectNode().put("engine", engine.label());
        ArrayNode array = node.putArray("listeners");
        for (TlsListener listener : listeners) {
            ObjectNode entry = array.addObject()
                    .put("address", listener.address())
                    .put("handshakeFailures", listener.terminator().handshakeFailures());
            ArrayNode certificates = entry.putArray("certificates");
            for (CertificateStatus certificate : listener.terminator().certificates()) {
                CertificateFacts served = certificate.served();
                ObjectNode item = certificates.addObject()
                        .put("file", certificate.file().toString())
                        .put("role", certificate.sni() ? "sni" : "default")
                        .put("subject", served.subject());
                ArrayNode san = item.putArray("sanNames");
                served.dnsNames().forEach(san::add);
                ArrayNode names = item.putArray("serverNames");
                certificate.names().forEach(names::add);
                item.put("notAfter", served.notAfter().toString())
                        .put("serial", served.serial())
                        .put("daysLeft", daysLeft(now, served.notAfter()))
                        .put("loadedAt", certificate.loadedAt().toString())
                        .put("lastError", certificate.lastError())
                        .put("lastErrorAt", certificate.lastErrorAt() == null ? null : certificate.lastErrorAt().toString());
            }
        }
        return node;
    }

    /** Whole days until {@code notAfter}, rounded down: negative once it has passed, even by an hour. */
    static long daysLeft(Instant now, Instant notAfter) {
        return Math.floorDiv(Duration.between(now, notAfter).getSeconds(), 86_400);
    }

    private static ObjectNode rollback(AutoRollback rollback) {
        return rollback == null ? null : JSON.createObjectNode()
                .put("reason", rollback.reason())
                .put("at", rollback.at().toString())
                .put("secondsAgo", Duration.between(rollback.at(), Instant.now()).toMillis() / 1000.0);
    }

    /** The analysis settings and the last check; {@code state} is {@code starting} before the first check. */
    private static ObjectNode analysis(AnalysisSettings settings, AnalysisStatus status) {
        ObjectNode node = JSON.createObjectNode()
                .put("state", status == null ? "starting" : status.state().label())
                .put("detail", status == null ? "not checked yet" : status.detail());
        ObjectNode config = node.putObject("settings")
                .put("windowSeconds", settings.window().toMillis() / 1000.0)
                .put("intervalSeconds", settings.interval().toMillis() / 1000.0)
                .put("minRequests", settings.minRequests())
                .put("errorRateMargin", settings.errorRateMargin())
                .put("latencyRatio", settings.latencyRatio())
                .put("latencyMarginMillis", settings.latencyMargin().toMillis())
                .put("stepPauseSeconds", settings.stepPause().toMillis() / 1000.0)
                .put("maxDiffRate", settings.maxDiffRate());
        ArrayNode steps = config.putArray("steps");
        settings.steps().forEach(steps::add);
        if (status == null) {
            return node;
        }
        node.put("checkedAt", status.checkedAt().toString())
                .put("secondsSinceCheck", Duration.between(status.checkedAt(), Instant.now()).toMillis() / 1000.0)
                .put("windowSpanSeconds", status.windowSpan().toMillis() / 1000.0);
        ObjectNode window = node.putObject("window");
        window.set("stable", poolWindow(status.stable()));
        window.set("canary", poolWindow(status.canary()));
        window.putObject("canaryLimits")
                .put("errorRate", status.limits().errorRate())
                .put("p99Millis", status.limits().p99Millis());
        if (status.mirror() != null) {
            AnalysisStatus.MirrorWindow pairs = status.mirror();
            ObjectNode mirrored = node.putObject("mirrorWindow")
                    .put("pairs", pairs.pairs())
                    .put("differing", pairs.differing())
                    .put("diffRate", pairs.diffRate())
                    .put("lastDifference", pairs.lastDifference());
            mirrored.set("stable", poolWindow(pairs.stable()));
            mirrored.set("canary", poolWindow(pairs.canary()));
            mirrored.putObject("canaryLimits")
                    .put("errorRate", status.limits().mirroredErrorRate())
                    .put("p99Millis", status.limits().mirroredP99Millis())
                    .put("diffRate", status.limits().diffRate());
        }
        node.put("nextStep", status.nextStep() < 0 ? null : status.nextStep());
        node.put("nextStepInSeconds", status.nextStepIn() == null ? null : status.nextStepIn().toMillis() / 1000.0);
        return node;
    }

    /**
     * A route's mirror: its settings, whether it copies now (it stops while the canary has no
     * replica or was rolled back automatically, and says why), its counts and the latest differing pairs.
     */
    private static ObjectNode mirror(RouteMirror mirror, Route route) {
        MirrorSettings settings = mirror.settings();
        String stopped = route.policy().canaryHalted() ? "the canary was rolled back automatically"
                : route.canary().isEmpty() ? "no canary replica" : null;
        ObjectNode node = JSON.createObjectNode()
                .put("percent", settings.percent())
                .put("active", stopped == null)
                .put("stoppedBecause", stopped)
                .put("maxBodyBytes", settings.maxBodyBytes())
                .put("timeoutMillis", settings.timeout().toMillis())
                .put("maxInFlight", settings.maxInFlight());
        ArrayNode methods = node.putArray("methods");
        settings.methods().stream().sorted().forEach(methods::add);
        CompareRules rules = settings.compare();
        ObjectNode compare = node.putObject("compare")
                .put("status", rules.status())
                .put("body", rules.body().label());
        ArrayNode headers = compare.putArray("headers");
        rules.headers().forEach(headers::add);
        ArrayNode ignored = compare.putArray("ignoreJsonPaths");
        rules.ignoreJsonPaths().forEach(path -> ignored.add(path.toString()));
        RouteMirror.Counts counts = mirror.counts();
        node.put("sent", counts.sent())
                .put("inFlight", counts.inFlight())
                .put("dropped", counts.dropped())
                .put("tooLarge", counts.tooLarge())
                .put("unpaired", counts.unpaired())
                .put("agreed", counts.agreed())
                .put("differed", counts.differed());
        ObjectNode byKind = node.putObject("differences");
        for (Difference.Kind kind : Difference.Kind.values()) {
            byKind.put(kind.label(), counts.byKind()[kind.ordinal()]);
        }
        ArrayNode recent = node.putArray("recent");
        for (RecentDifference pair : mirror.recent()) {
            ObjectNode entry = recent.addObject()
                    .put("at", pair.at().toString())
                    .put("request", pair.request())
                    .put("difference", pair.difference());
            entry.putObject("stable")
                    .put("status", pair.stableStatus())
                    .put("millis", pair.stableMillis())
                    .put("body", pair.stableBody());
            entry.putObject("canary")
                    .put("status", pair.canaryStatus())
                    .put("millis", pair.canaryMillis())
                    .put("body", pair.canaryBody());
        }
        return node;
    }

    private static ObjectNode poolWindow(AnalysisStatus.PoolWindow window) {
        return JSON.createObjectNode()
                .put("requests", window.requests())
                .put("errors", window.errors())
                .put("errorRate", window.errorRate())
                .put("p99Millis", window.p99Millis());
    }

    /** The canary's expected share of un-flagged requests under the route's current policy and replicas. */
    static double expectedCanaryShare(Route route) {
        boolean noStable = route.stable().isEmpty();
        boolean noCanary = route.canary().isEmpty();
        if (noCanary) {
            return 0;
        }
        if (noStable) {
            return 1;
        }
        return switch (route.policy().strategy()) {
            case REPLICAS -> (double) route.canary().totalWeight()
                    / (route.canary().totalWeight() + route.stable().totalWeight());
            case HEADER -> 0;
            case WEIGHT -> route.policy().canaryWeight() / 100.0;
        };
    }

}
