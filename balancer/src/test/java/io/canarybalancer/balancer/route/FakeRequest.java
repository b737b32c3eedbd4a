package io.canarybalancer.balancer.route;

import java.util.Locale;
import java.util.Map;

/** A request with a target and headers, for routing tests. */
record FakeRequest(String target, Map<String, String> headers) implements RouteRequest {

    static FakeRequest get(String target) {
        return new FakeRequest(target, Map.of());
    }

    static FakeRequest flagged(String target, String header, String value) {
        return new FakeRequest(target, Map.of(header.toLowerCase(Locale.ROOT), value));
    }

    @Override
    public boolean hasHeader(CharSequence name) {
        return headers.containsKey(name.toString().toLowerCase(Locale.ROOT));
    }

    @Override
    public boolean hasHeader(CharSequence name, CharSequence value) {
        String own = headers.get(name.toString().toLowerCase(Locale.ROOT));
        return own != null && own.equalsIgnoreCase(value.toString());
    }

    @Override
    public CharSequence header(CharSequence name) {
        return headers.get(name.toString().toLowerCase(Locale.ROOT));
    }
}
