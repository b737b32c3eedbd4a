package io.canarybalancer.balancer.route;

/**
 * The parts of an HTTP request that routing looks at. The proxy adapts its own request type to this
 * interface without copying, so a routing decision allocates nothing.
 */
public interface RouteRequest {

    /** The request target as sent: origin form ({@code /path?query}), absolute form, or {@code *}. */
    CharSequence target();

    /** Whether a header of that name (case-insensitive) is present, with any value. */
    boolean hasHeader(CharSequence name);

    /** Whether a header of that name carries exactly that value, ignoring ASCII case. */
    boolean hasHeader(CharSequence name, CharSequence value);

    /** The first value of the header of that name (case-insensitive), or {@code null}. */
    CharSequence header(CharSequence name);

    /** The value of the cookie of that name, or {@code null}: see {@link Cookies#value}. */
    default CharSequence cookie(CharSequence name) {
        return Cookies.value(header("cookie"), name);
    }
}
