package io.canarybalancer.balancer.route;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * An immutable snapshot of every route with its replicas. A request looks it up once and uses that
 * snapshot for the whole decision; discovery builds a new table rather than editing this one.
 */
public final class RoutingTable {
    private static final RoutingTable EMPTY = new RoutingTable(List.of());

    private final List<Route> routes;
    /** The same routes by prefix, for the lookup. */
    private final PrefixTree prefixes;

    private RoutingTable(List<Route> routes) {
        this.routes = List.copyOf(routes);
        List<Route> sorted = new ArrayList<>(routes);
        sorted.sort(Comparator.comparing(Route::pathPrefix));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).pathPrefix().equals(sorted.get(i - 1).pathPrefix())) {
                throw new IllegalArgumentException("two routes share the path prefix " + sorted.get(i).pathPrefix());
            }
        }
        this.prefixes = new PrefixTree(sorted);
    }

    /** A table with no route: every request is answered 404. */
    public static RoutingTable empty() {
        return EMPTY;
    }

    /** A table of these routes, kept in the given order for display; prefixes must be distinct. */
    public static RoutingTable of(List<Route> routes) {
        return routes.isEmpty() ? EMPTY : new RoutingTable(routes);
    }

    /**
     * The route with the longest prefix covering the request target's path, or {@code null}:
     * {@code /credit} covers {@code /credit}, {@code /credit/...}, {@code /credit?...} and
     * {@code /credit#...} but not {@code /credits}, a prefix ending in {@code /} everything below
     * it, and {@code /} every target ({@code *} too). One walk down the target, whatever the number
     * of routes; it reads {@code target} only through {@code length} and {@code charAt} and
     * allocates nothing, so the target may be a view over the request's bytes.
     */
    public Route find(CharSequence target) {
        return prefixes.find(target, pathStart(target));
    }

    /** The routes in configuration order. */
    public List<Route> routes() {
        return routes;
    }

    /** The address of every replica of every route, both pools. */
    public Set<InetSocketAddress> addresses() {
        Set<InetSocketAddress> addresses = new HashSet<>();
        for (Route route : routes) {
            for (PoolRole role : PoolRole.values()) {
                route.pool(role).replicas().forEach(replica -> addresses.add(replica.address()));
            }
        }
        return addresses;
    }

    /** The route of that name, or {@code null}. */
    public Route route(String name) {
        for (Route route : routes) {
            if (route.name().equals(name)) {
                return route;
            }
        }
        return null;
    }

    /**
     * Where the path starts in a request target: 0 in origin form, after the authority in absolute
     * form ({@code http://host/path}), or -1 when there is no path ({@code *}, or {@code http://host}),
     * which only the root route covers.
     */
    static int pathStart(CharSequence target) {
        if (target.length() > 0 && target.charAt(0) == '/') {
            return 0;
        }
        for (int i = 0; i + 2 < target.length(); i++) {
            if (target.charAt(i) == ':' && target.charAt(i + 1) == '/' && target.charAt(i + 2) == '/') {
                for (int j = i + 3; j < target.length(); j++) {
                    if (target.charAt(j) == '/') {
                        return j;
                    }
                }
                return -1;
            }
        }
        return -1;
    }
}
