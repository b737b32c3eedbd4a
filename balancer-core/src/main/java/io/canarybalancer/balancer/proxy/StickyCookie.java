package io.canarybalancer.balancer.proxy;

import io.canarybalancer.balancer.route.StickyRequest;
import io.canarybalancer.balancer.route.StickyRule;

import java.util.concurrent.ThreadLocalRandom;

/** The cookie the balancer sets for a route with a cookie {@link StickyRule}, on a user's first request. */
final class StickyCookie {
    /** A year: the cohort outlives a rollout, so a user does not flip sides in the middle of one. */
    private static final int MAX_AGE_SECONDS = 365 * 24 * 3600;

    private StickyCookie() {
    }

    /**
     * The cookie to set on the response to this request, having routed the request as if it
     * carried it already; {@code null} when the route is not sticky by cookie or the request has one.
     */
    static String assign(StickyRule rule, StickyRequest request) {
        if (rule == null || rule.source() != StickyRule.Source.COOKIE || request.readCookie(rule.name()) != null) {
            return null;
        }
        String value = newKey();
        request.assignCookie(rule.name(), value);
        return rule.name() + "=" + value + "; Path=/; Max-Age=" + MAX_AGE_SECONDS + "; HttpOnly; SameSite=Lax";
    }

    /** 128 random bits as 32 hex digits: an opaque user key, not a secret. */
    static String newKey() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return hex(random.nextLong()) + hex(random.nextLong());
    }

    private static String hex(long bits) {
        String digits = Long.toHexString(bits);
        return "0".repeat(16 - digits.length()) + digits;
    }
}
