package io.canarybalancer.balancer.route;

import java.util.ArrayList;
import java.util.List;

/**
 * The routes' path prefixes as a radix tree (a character trie whose chains without a branch or a
 * route are merged into one edge), built once with the table. Finding the longest prefix that
 * covers a path is then one walk down the path, reading each character at most once, however many
 * routes there are, and allocating nothing.
 *
 * <p>The walk follows the path for as long as it spells the beginning of some prefix. Each node it
 * reaches where a route's prefix ends is a match when the path goes on there at a boundary (the
 * rule of {@link #find}); the last match is the longest. The root route {@code /} covers every
 * target, so it is the answer when the walk finds nothing longer.
 */
final class PrefixTree {
    private static final char[] NO_CHARS = new char[0];

    private final Node top;
    /** The route of {@code /}, or {@code null}. */
    private final Route root;

    /** @param routes with distinct prefixes, in ascending order of {@link String#compareTo} */
    PrefixTree(List<Route> routes) {
        Route[] sorted = routes.toArray(new Route[0]);
        this.top = new Node(NO_CHARS, null, children(sorted, 0, sorted.length, 0));
        this.root = sorted.length > 0 && sorted[0].pathPrefix().equals("/") ? sorted[0] : null;
    }

    /**
     * The route with the longest prefix covering the path that starts at {@code pathStart} in
     * {@code target} ({@code -1}: no path, which only the root route covers), or {@code null}.
     * A prefix covers the path when the path starts with it and either the prefix ends with
     * {@code /} or the path ends there or goes on with {@code /}, {@code ?} or {@code #}: so
     * {@code /credit} covers {@code /credit}, {@code /credit/x} and {@code /credit?x}, not
     * {@code /credits}.
     */
    Route find(CharSequence target, int pathStart) {
        Route found = root;
        if (pathStart < 0) {
            return found;
        }
        int length = target.length();
        int position = pathStart;
        Node node = top;
        while (position < length) {
            node = node.child(target.charAt(position));
            if (node == null) {
                return found;
            }
            char[] edge = node.edge;
            int end = position + edge.length;
            if (end > length) {
                return found;
            }
            for (int i = 1; i < edge.length; i++) { // edge[0] is the character the child was found by
                if (target.charAt(position + i) != edge[i]) {
                    return found;
                }
            }
            position = end;
            if (node.route != null && (node.open || position == length || isBoundary(target.charAt(position)))) {
                found = node.route;
            }
        }
        return found;
    }

    private static boolean isBoundary(char c) {
        return c == '/' || c == '?' || c == '#';
    }

    /**
     * The nodes below a node whose path is the first {@code depth} characters shared by
     * {@code routes[from..to)}, each of which is longer than that: one per character at {@code depth}.
     */
    private static Node[] children(Route[] routes, int from, int to, int depth) {
        List<Node> children = new ArrayList<>();
        int start = from;
        while (start < to) {
            char c = routes[start].pathPrefix().charAt(depth);
            int end = start + 1;
            while (end < to && routes[end].pathPrefix().charAt(depth) == c) {
                end++;
            }
            children.add(node(routes, start, end, depth));
            start = end;
        }
        return children.toArray(new Node[0]);
    }

    /**
     * The node for {@code routes[from..to)}, which agree on their first {@code depth + 1} characters:
     * its edge runs on as long as they all agree, stopping where the shortest one (the first, being
     * sorted) ends, so that its route has a node of its own.
     */
    private static Node node(Route[] routes, int from, int to, int depth) {
        String first = routes[from].pathPrefix();
        String last = routes[to - 1].pathPrefix();
        int end = depth + 1;
        while (end < first.length() && end < last.length() && first.charAt(end) == last.charAt(end)) {
            end++;
        }
        char[] edge = first.substring(depth, end).toCharArray();
        if (first.length() == end) {
            return new Node(edge, routes[from], children(routes, from + 1, to, end));
        }
        return new Node(edge, null, children(routes, from, to, end));
    }

    private static final class Node {
        /** The characters from the parent to this node: at least one, except at the top. */
        final char[] edge;
        /** The first of them, by which the parent finds this node. */
        final char first;
        /** The route whose prefix ends here, or {@code null}. */
        final Route route;
        /** Whether that prefix ends with {@code /}, so it covers whatever follows. */
        final boolean open;
        /**
         * The children in an open-addressing table by first character: a power of two long, at
         * least twice the number of children, so that a search always reaches an empty slot.
         */
        final Node[] slots;

        Node(char[] edge, Route route, Node[] children) {
            this.edge = edge;
            this.first = edge.length == 0 ? 0 : edge[0];
            this.route = route;
            this.open = route != null && edge[edge.length - 1] == '/';
            int size = 1;
            while (size < 2 * children.length) {
                size <<= 1;
            }
            this.slots = new Node[size];
            for (Node child : children) {
                int i = child.first & (size - 1);
                while (slots[i] != null) {
                    i = (i + 1) & (size - 1);
                }
                slots[i] = child;
            }
        }

        /** The child whose edge starts with {@code c}, or {@code null}. */
        Node child(char c) {
            Node[] slots = this.slots;
            int mask = slots.length - 1;
            for (int i = c & mask; ; i = (i + 1) & mask) {
                Node child = slots[i];
                if (child == null || child.first == c) {
                    return child;
                }
            }
        }
    }
}
