package io.canarybalancer.balancer.tls;

import io.netty.handler.ssl.SslContext;
import io.netty.util.Mapping;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which context answers which server name, one immutable snapshot: an exact name first, then a
 * wildcard {@code *.example.com} standing for exactly one label ({@code a.example.com}, not
 * {@code example.com} nor {@code a.b.example.com}), else the default context. When two pairs claim
 * a name, the first one added keeps it.
 */
final class ServerNames implements Mapping<String, SslContext> {
    private final SslContext fallback;
    private final Map<String, SslContext> exact;
    /** By the part after {@code *.}. */
    private final Map<String, SslContext> wildcard;

    private ServerNames(SslContext fallback, Map<String, SslContext> exact, Map<String, SslContext> wildcard) {
        this.fallback = fallback;
        this.exact = Map.copyOf(exact);
        this.wildcard = Map.copyOf(wildcard);
    }

    /** A table answering {@code fallback} for every name not claimed by a later {@link Builder#add}. */
    static Builder builder(SslContext fallback) {
        return new Builder(fallback);
    }

    /** The context for {@code hostname}; the default one for {@code null} (no SNI) or an unknown name. */
    @Override
    public SslContext map(String hostname) {
        if (hostname == null) {
            return fallback;
        }
        String name = hostname.toLowerCase(Locale.ROOT);
        SslContext context = exact.get(name);
        if (context != null) {
            return context;
        }
        int dot = name.indexOf('.');
        if (dot > 0) {
            context = wildcard.get(name.substring(dot + 1));
        }
        return context != null ? context : fallback;
    }

    static final class Builder {
        private final SslContext fallback;
        private final Map<String, SslContext> exact = new HashMap<>();
        private final Map<String, SslContext> wildcard = new HashMap<>();

        private Builder(SslContext fallback) {
            this.fallback = fallback;
        }

        /** Claims each of {@code names} not claimed yet for {@code context}. */
        Builder add(List<String> names, SslContext context) {
            for (String name : names) {
                String lower = name.toLowerCase(Locale.ROOT);
                if (lower.startsWith("*.")) {
                    wildcard.putIfAbsent(lower.substring(2), context);
                } else {
                    exact.putIfAbsent(lower, context);
                }
            }
            return this;
        }

        ServerNames build() {
            return new ServerNames(fallback, exact, wildcard);
        }
    }
}
