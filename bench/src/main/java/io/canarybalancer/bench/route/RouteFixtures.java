package io.canarybalancer.bench.route;

import io.canarybalancer.balancer.route.Fallback;
import io.canarybalancer.balancer.route.HeaderRule;
import io.canarybalancer.balancer.route.Pool;
import io.canarybalancer.balancer.route.PoolRole;
import io.canarybalancer.balancer.route.Replica;
import io.canarybalancer.balancer.route.Route;
import io.canarybalancer.balancer.route.RoutePolicy;
import io.canarybalancer.balancer.route.RouteRequest;
import io.canarybalancer.balancer.route.Strategy;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.ArrayList;
import java.util.List;

/** Routes, replicas and requests for the benchmarks, built once per trial. */
final class RouteFixtures {

    private RouteFixtures() {
    }

    /** A route with {@code replicas} replicas in all, a quarter of them (at least one) canaries. */
    static Route route(String prefix, Strategy strategy, int replicas) {
        int canaries = Math.max(1, replicas / 4);
        return new Route(prefix, prefix, new RoutePolicy(strategy, 10, HeaderRule.DEFAULT, Fallback.STABLE),
                pool(PoolRole.STABLE, replicas - canaries), pool(PoolRole.CANARY, canaries));
    }

    static Pool pool(PoolRole role, int size) {
        List<Replica> replicas = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            replicas.add(new Replica(role.label() + "-" + i, "10.0." + role.ordinal() + "." + (i + 1), 8080, 1, role));
        }
        return new Pool(role, role == PoolRole.STABLE ? "service-v1" : "service-v2", null, replicas);
    }

    /** A browser-like header block, with or without the canary flag, over Netty's own header map. */
    static HttpHeaders headers(boolean flagged) {
        HttpHeaders headers = new DefaultHttpHeaders()
                .add("Host", "api.example.com")
                .add("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)")
                .add("Accept", "application/json")
                .add("Accept-Encoding", "gzip, deflate, br")
                .add("Accept-Language", "en-GB,en;q=0.9")
                .add("Cookie", "session=0123456789abcdef; theme=dark")
                .add("X-Request-Id", "5f0c2a8e-3b1d-4c55-9a1e-7d2f8c9b0a11");
        if (flagged) {
            headers.add("X-Canary", "1");
        }
        return headers;
    }

    /** The request shape the proxy hands the router: a target and a Netty header map, no copies. */
    static RouteRequest request(String target, HttpHeaders headers) {
        return new RouteRequest() {
            @Override
            public CharSequence target() {
                return target;
            }

            @Override
            public boolean hasHeader(CharSequence name) {
                return headers.contains(name);
            }

            @Override
            public boolean hasHeader(CharSequence name, CharSequence value) {
                return headers.contains(name, value, true);
            }

            @Override
            public CharSequence header(CharSequence name) {
                return headers.get(name);
            }
        };
    }
}
