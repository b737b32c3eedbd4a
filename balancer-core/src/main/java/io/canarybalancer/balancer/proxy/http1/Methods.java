package io.canarybalancer.balancer.proxy.http1;

import java.util.Set;

/** What HTTP's semantics say of a request method, whichever protocol version carries it. */
public final class Methods {
    private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE");

    private Methods() {
    }

    /**
     * Whether sending a request with {@code method} twice has the effect of sending it once (RFC 9110,
     * section 9.2.2), so that a bodiless one may go again after a failure. Case-sensitive, as methods are.
     */
    public static boolean idempotent(String method) {
        return IDEMPOTENT.contains(method);
    }
}
