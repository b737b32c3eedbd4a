package io.canarybalancer.balancer.proxy;

import io.canarybalancer.balancer.route.RouteRequest;
import io.netty.handler.codec.http.HttpRequest;

/**
 * Shows a Netty request to the router without copying it. One instance per client connection,
 * re-pointed at each request, so routing allocates nothing.
 */
final class NettyRouteRequest implements RouteRequest {
    private HttpRequest request;

    NettyRouteRequest wrap(HttpRequest request) {
        this.request = request;
        return this;
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
}
