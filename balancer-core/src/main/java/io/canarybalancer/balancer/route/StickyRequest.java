package io.canarybalancer.balancer.route;

/**
 * A request whose sticky cookie the balancer may read once and assign: the first request of a new
 * user is routed as if it carried the cookie the balancer is about to set on the answer.
 */
public interface StickyRequest extends RouteRequest {

    /**
     * The value of cookie {@code name}, or {@code null} when the request has none or an empty one
     * (no key). Read once: routing then takes it from the request instead of parsing again.
     */
    CharSequence readCookie(String name);

    /** Routes this request as if it carried cookie {@code name} with {@code value}. */
    void assignCookie(String name, CharSequence value);
}
