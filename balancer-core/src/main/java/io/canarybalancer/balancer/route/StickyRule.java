package io.canarybalancer.balancer.route;

import java.util.Locale;
import java.util.Objects;

/**
 * Keeps a user on one side of a rollout: the user's key, from a request header or a cookie, is
 * hashed into one of {@link #BUCKETS} buckets, and buckets below the canary's share go to the
 * canary. The hash depends only on the route name and the key, so every balancer instance puts a
 * key in the same bucket with no shared state, and raising the share only moves users from stable
 * to canary, never back.
 *
 * @param source where the key comes from
 * @param name   the header or cookie name
 */
public record StickyRule(Source source, String name) {

    /** How finely users are divided: a share is a whole number of buckets out of this many. */
    public static final int BUCKETS = 10_000;

    /** Where a user's key is read from. */
    public enum Source {
        /** A request header set by something in front of the balancer, such as a user id. */
        HEADER,
        /** A cookie the balancer sets itself on a response to a request that did not carry one. */
        COOKIE;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public StickyRule {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("sticky " + source.label() + " name must not be blank");
        }
    }

    /** The request's key, or {@code null} when it has none (then the route's strategy decides). */
    public CharSequence key(RouteRequest request) {
        CharSequence key = source == Source.HEADER ? request.header(name) : request.cookie(name);
        return key == null || key.length() == 0 ? null : key;
    }

    /**
     * The bucket of {@code key} on the route named {@code route}, from 0 to {@link #BUCKETS} - 1:
     * FNV-1a over the route name, a separator and the key's UTF-16 units, then MurmurHash3's 64-bit
     * finaliser to spread the low digits. Salting with the route name gives each route its own cohort.
     */
    public static int bucket(String route, CharSequence key) {
        long hash = 0xcbf29ce484222325L;
        for (int i = 0; i < route.length(); i++) {
            hash = (hash ^ route.charAt(i)) * 0x100000001b3L;
        }
        hash = (hash ^ 0xffff) * 0x100000001b3L;
        for (int i = 0; i < key.length(); i++) {
            hash = (hash ^ key.charAt(i)) * 0x100000001b3L;
        }
        hash ^= hash >>> 33;
        hash *= 0xff51afd7ed558ccdL;
        hash ^= hash >>> 33;
        hash *= 0xc4ceb9fe1a85ec53L;
        hash ^= hash >>> 33;
        return (int) Long.remainderUnsigned(hash, BUCKETS);
    }
}
