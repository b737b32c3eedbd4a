package io.canarybalancer.balancer.proxy;

import io.canarybalancer.balancer.route.RouteRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;

/**
 * Shows a Netty request to the router without copying it. One instance per client connection,
 * re-pointed at each request, so routing allocates nothing.
 */
final class NettyRouteRequest implements RouteRequest {
    private HttpRequest request;
    private String assignedCookie;
    private CharSequence assignedValue;

    NettyRouteRequest wrap(HttpRequest request) {
        this.request = request;
        this.assignedCookie = null;
        this.assignedValue = null;
        return this;
    }

    /**
     * Routes this request as if it carried cookie {@code name} with {@code value}: the value the
     * balancer is about to set on the response, so the first request of a new user is routed the
     * way the following ones will be; or the value it does carry, read once.
     */
    void assignCookie(String name, CharSequence value) {
        this.assignedCookie = name;
        this.assignedValue = value;
    }

    @Override
    public CharSequence target() {
        return request.uri();
    }

    @Override
    public boolean hasHeader(CharSequence name) {
        return request.headers().contains(name);
    }

    @Override
    public boolean hasHeader(CharSequence name, CharSequence value) {
        return request.headers().contains(name, value, true);
    }

    @Override
    public CharSequence header(CharSequence name) {
        return request.headers().get(name);
    }

    @Override
    public CharSequence cookie(CharSequence name) {
        if (assignedCookie != null && assignedCookie.contentEquals(name)) {
            return assignedValue;
        }
        return RouteRequest.super.cookie(name);
    }

    /**
     * The value of the request's cookie {@code name}, or {@code null} when it has none or an empty
     * one (no key). Read once: routing then takes it from here instead of parsing the header again.
     */
    CharSequence readCookie(String name) {
        if (!request.headers().contains(HttpHeaderNames.COOKIE)) {
            return null;
        }
        CharSequence value = RouteRequest.super.cookie(name);
        if (value == null || value.length() == 0) {
            return null;
        }
        assignCookie(name, value);
        return value;
    }
}
