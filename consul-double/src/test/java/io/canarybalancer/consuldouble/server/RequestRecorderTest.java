package io.canarybalancer.consuldouble.server;

import io.canarybalancer.consuldouble.ConsulDouble;
import io.canarybalancer.consuldouble.http.RecordedRequest;
import io.canarybalancer.testsupport.Http;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** What the recorder keeps about each request and how tests wait on it. */
class RequestRecorderTest {

    @AutoClose
    private final ConsulDouble consul = ConsulDouble.start();
    private final Http http = new Http(consul.url());

    @Test
    void recordsMethodDecodedPathParamsHeadersAndBody() {
        http.send("PUT", "/v1/kv/lb%2Fpool%20a?flags=3&cas=0", "blue", "X-Consul-Token", "tok-1");
        http.get("/v1/health/service/web?passing&tag=a&tag=b&index=7&wait=50ms");

        List<RecordedRequest> all = consul.requests().all();
        RecordedRequest put = all.get(0);
        assertThat(put.method()).isEqualTo("PUT");
        assertThat(put.path()).isEqualTo("/v1/kv/lb/pool a");
        assertThat(put.uri()).isEqualTo("/v1/kv/lb%2Fpool%20a?flags=3&cas=0");
        assertThat(put.param("flags")).hasValue("3");
        assertThat(put.bodyAsString()).isEqualTo("blue");
        assertThat(put.token()).hasValue("tok-1");
        assertThat(put.sequence()).isLessThan(all.get(1).sequence());

        RecordedRequest get = all.get(1);
        assertThat(get.param("passing")).hasValue("");
        assertThat(get.hasParam("passing")).isTrue();
        assertThat(get.paramValues("tag")).containsExactly("a", "b");
        assertThat(get.param("index")).hasValue("7");
        assertThat(get.param("wait")).hasValue("50ms");
        assertThat(get.token()).isEmpty();
    }

    @Test
    void tokenPrecedenceIsQueryThenHeaderThenBearer() {
        http.send("GET", "/v1/agent/self?token=from-query", null, "X-Consul-Token", "from-header");
        http.send("GET", "/v1/agent/self", null, "X-Consul-Token", "from-header", "Authorization", "Bearer from-bearer");
        http.send("GET", "/v1/agent/self", null, "Authorization", "Bearer from-bearer");

        assertThat(consul.requests().all()).extracting(r -> r.token().orElse(null))
                .containsExactly("from-query", "from-header", "from-bearer");
        assertThat(consul.requests().last().orElseThrow().header("authorization")).hasValue("Bearer from-bearer");
    }

    @Test
    void countsPerPathAndClear() {
        http.get("/v1/health/service/web");
        http.get("/v1/health/service/web");
        http.get("/v1/health/service/db");

        assertThat(consul.requests().countsByPath())
                .containsEntry("/v1/health/service/web", 2L)
                .containsEntry("/v1/health/service/db", 1L);
        assertThat(consul.requests().count("/v1/health/")).isEqualTo(3);
        assertThat(consul.requests().last("/v1/health/service/web")).isPresent();

        consul.requests().clear();
        assertThat(consul.requests().count()).isZero();
        http.get("/v1/health/service/web");
        assertThat(consul.requests().all().get(0).sequence()).as("sequence keeps counting").isEqualTo(4);
    }

    @Test
    void awaitReturnsOnceEnoughMatchingRequestsArrived() {
        CompletableFuture<List<RecordedRequest>> waiter = CompletableFuture.supplyAsync(
                () -> consul.requests().await("/v1/health/", 2, Duration.ofSeconds(5)));

        http.get("/v1/health/service/a");
        http.get("/v1/kv/x");
        http.get("/v1/health/service/b");

        assertThat(Http.await(waiter)).extracting(RecordedRequest::path)
                .containsExactly("/v1/health/service/a", "/v1/health/service/b");
        assertThat(consul.requests().await("/v1/nothing", 1, Duration.ofMillis(50))).isEmpty();
    }
}
