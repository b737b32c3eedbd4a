package io.canarybalancer.balancer.tls;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ServerNamesTest {
    static SslContext fallback;
    static SslContext api;
    static SslContext wildcard;
    static SslContext other;

    @BeforeAll
    static void contexts() throws Exception {
        fallback = context();
        api = context();
        wildcard = context();
        other = context();
    }

    private static SslContext context() throws Exception {
        SelfSignedCertificate certificate = new SelfSignedCertificate();
        return SslContextBuilder.forServer(certificate.key(), certificate.cert()).build();
    }

    @Test
    void anExactNameWinsOverAWildcard() {
        ServerNames names = ServerNames.builder(fallback)
                .add(List.of("*.example.com"), wildcard)
                .add(List.of("api.example.com"), api)
                .build();

        assertThat(names.map("api.example.com")).isSameAs(api);
        assertThat(names.map("www.example.com")).isSameAs(wildcard);
        assertThat(names.map("API.Example.COM")).isSameAs(api);
    }

    @Test
    void aWildcardStandsForExactlyOneLabel() {
        ServerNames names = ServerNames.builder(fallback).add(List.of("*.example.com"), wildcard).build();

        assertThat(names.map("a.example.com")).isSameAs(wildcard);
        assertThat(names.map("example.com")).isSameAs(fallback);
        assertThat(names.map("a.b.example.com")).isSameAs(fallback);
        assertThat(names.map("aexample.com")).isSameAs(fallback);
    }

    @Test
    void anUnknownNameOrNoNameGetsTheDefault() {
        ServerNames names = ServerNames.builder(fallback).add(List.of("api.example.com"), api).build();

        assertThat(names.map("unknown.example.org")).isSameAs(fallback);
        assertThat(names.map(null)).isSameAs(fallback);
    }

    @Test
    void theFirstPairToClaimANameKeepsIt() {
        ServerNames names = ServerNames.builder(fallback)
                .add(List.of("api.example.com", "*.example.com"), api)
                .add(List.of("api.example.com", "*.example.com", "other.example.com"), other)
                .build();

        assertThat(names.map("api.example.com")).isSameAs(api);
        assertThat(names.map("x.example.com")).isSameAs(api);
        assertThat(names.map("other.example.com")).isSameAs(other);
    }
}
