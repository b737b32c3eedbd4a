package io.canarybalancer.consuldouble.endpoint;

import com.fasterxml.jackson.databind.JsonNode;
import io.canarybalancer.consuldouble.ConsulAnswer;
import io.canarybalancer.consuldouble.ConsulDouble;
import io.canarybalancer.testsupport.Http;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** The KV endpoint: values, indexes, check-and-set, recursion and blocking. */
class KvTest {

    private static final Duration AWAIT = Duration.ofSeconds(5);

    @AutoClose
    private final ConsulDouble consul = ConsulDouble.builder().jitter(false).start();
    private final Http http = new Http(consul.url());

    private static String decode(JsonNode entry) {
        return new String(Base64.getDecoder().decode(entry.get("Value").asText()), StandardCharsets.UTF_8);
    }

    @Test
    void putStoresTheRawBodyAndGetReturnsItBase64WithIndexes() {
        HttpResponse<String> put = http.send("PUT", "/v1/kv/lb/config?flags=42", "{\"a\":1}");

        assertThat(put.statusCode()).isEqualTo(200);
        assertThat(put.body()).isEqualTo("true");
        HttpResponse<String> get = http.get("/v1/kv/lb/config");
        JsonNode entry = ConsulAnswer.json(get).get(0);
        assertThat(entry.get("Key").asText()).isEqualTo("lb/config");
        assertThat(decode(entry)).isEqualTo("{\"a\":1}");
        assertThat(entry.get("Flags").asLong()).isEqualTo(42);
        assertThat(entry.get("LockIndex").asLong()).isZero();
        assertThat(entry.get("CreateIndex").asLong()).isEqualTo(entry.get("ModifyIndex").asLong());
        assertThat(ConsulAnswer.index(get)).isEqualTo(entry.get("ModifyIndex").asLong());
        assertThat(get.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(consul.kvValue("lb/config")).hasValue("{\"a\":1}");
    }

    @Test
    void missingKeyIsA404WithIndexHeaders() {
        consul.putKv("other", "x");

        HttpResponse<String> response = http.get("/v1/kv/missing");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).isEmpty();
        assertThat(ConsulAnswer.index(response)).isEqualTo(consul.currentIndex());
        assertThat(response.headers().firstValue("X-Consul-KnownLeader")).hasValue("true");
        assertThat(response.headers().firstValue("X-Consul-LastContact")).isPresent();
        assertThat(ConsulAnswer.index(http.get("/v1/kv/missing?recurse"))).isGreaterThanOrEqualTo(1);
    }

    @Test
    void emptyValueIsNull() {
        http.send("PUT", "/v1/kv/empty", "");

        assertThat(ConsulAnswer.json(http.get("/v1/kv/empty")).get(0).get("Value").isNull()).isTrue();
    }

    @Test
    void percentEncodedKeySegmentsAreDecoded() {
        http.send("PUT", "/v1/kv/lb%2Fpool%20a", "blue");

        assertThat(consul.kvValue("lb/pool a")).hasValue("blue");
        assertThat(ConsulAnswer.json(http.get("/v1/kv/lb/pool%20a")).get(0).get("Key").asText()).isEqualTo("lb/pool a");
    }

    @Test
    void recurseIsAStringPrefixMatchAndPresenceOnly() {
        consul.putKv("foo", "1");
        consul.putKv("foobar", "2");
        consul.putKv("foo/baz", "3");
        consul.putKv("other", "4");

        JsonNode all = ConsulAnswer.json(http.get("/v1/kv/foo?recurse"));
        JsonNode alsoAll = ConsulAnswer.json(http.get("/v1/kv/foo?recurse=false"));

        assertThat(all).extracting(e -> e.get("Key").asText()).containsExactly("foo", "foo/baz", "foobar");
        assertThat(alsoAll).hasSize(3);
        assertThat(http.get("/v1/kv/nothing?recurse").statusCode()).isEqualTo(404);
    }

    @Test
    void keysListingWithSeparator() {
        consul.putKv("lb/pools/blue", "1");
        consul.putKv("lb/pools/green", "2");
        consul.putKv("lb/weights", "3");

        assertThat(ConsulAnswer.json(http.get("/v1/kv/lb/?keys&separator=/"))).extracting(JsonNode::asText)
                .containsExactly("lb/pools/", "lb/weights");
        assertThat(ConsulAnswer.json(http.get("/v1/kv/lb/?keys"))).hasSize(3);
        assertThat(http.get("/v1/kv/zz?keys").statusCode()).isEqualTo(404);
    }

    @Test
    void rawReturnsTheBytes() {
        consul.putKv("raw", "plain text");

        HttpResponse<String> response = http.get("/v1/kv/raw?raw");

        assertThat(response.body()).isEqualTo("plain text");
        assertThat(response.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    }

    @Test
    void checkAndSet() {
        assertThat(http.send("PUT", "/v1/kv/lock?cas=0", "first").body()).isEqualTo("true");
        assertThat(http.send("PUT", "/v1/kv/lock?cas=0", "second").body()).as("cas=0 only creates").isEqualTo("false");
        long modifyIndex = consul.kvModifyIndex("lock").orElseThrow();
        long before = consul.currentIndex();

        assertThat(http.send("PUT", "/v1/kv/lock?cas=" + (modifyIndex - 1), "stale").body()).isEqualTo("false");
        assertThat(consul.currentIndex()).as("a failed CAS writes nothing").isEqualTo(before);
        assertThat(http.send("PUT", "/v1/kv/lock?cas=" + modifyIndex, "third").body()).isEqualTo("true");
        assertThat(consul.kvValue("lock")).hasValue("third");
        assertThat(http.send("PUT", "/v1/kv/lock?cas=abc", "x").statusCode()).isEqualTo(400);
    }

    @Test
    void deleteSingleRecursiveAndCas() {
        consul.putKv("a/1", "x");
        consul.putKv("a/2", "y");
        long index = consul.putKv("b", "z");

        assertThat(http.send("DELETE", "/v1/kv/b?cas=" + (index - 1), null).body()).isEqualTo("false");
        assertThat(http.send("DELETE", "/v1/kv/b?cas=" + index, null).body()).isEqualTo("true");
        assertThat(http.send("DELETE", "/v1/kv/a?recurse", null).body()).isEqualTo("true");
        assertThat(consul.kvValue("a/1")).isEmpty();
        assertThat(consul.kvValue("a/2")).isEmpty();
        assertThat(http.send("DELETE", "/v1/kv/never-existed", null).body()).isEqualTo("true");
    }

    @Test
    void blockingOnAKeyWakesOnPut() {
        consul.putKv("lb/config", "v1");
        HttpResponse<String> first = http.get("/v1/kv/lb/config");

        CompletableFuture<HttpResponse<String>> poll = http.getAsync("/v1/kv/lb/config?index=" + ConsulAnswer.index(first) + "&wait=1m");
        assertThat(consul.awaitBlocked("/v1/kv/", 1, AWAIT)).isTrue();
        consul.putKv("unrelated", "x");
        assertThat(consul.blockedCount()).isEqualTo(1);
        http.send("PUT", "/v1/kv/lb/config", "v2");

        HttpResponse<String> response = Http.await(poll);
        assertThat(decode(ConsulAnswer.json(response).get(0))).isEqualTo("v2");
        assertThat(ConsulAnswer.index(response)).isGreaterThan(ConsulAnswer.index(first));
    }

    @Test
    void recursiveBlockingWakesOnDeleteThanksToTombstonesAndReapingMovesTheIndexBack() {
        consul.putKv("pool/a", "1");
        consul.putKv("pool/b", "2");
        HttpResponse<String> first = http.get("/v1/kv/pool/?recurse");
        CompletableFuture<HttpResponse<String>> poll = http.getAsync("/v1/kv/pool/?recurse&index=" + ConsulAnswer.index(first) + "&wait=1m");
        assertThat(consul.awaitBlocked(1, AWAIT)).isTrue();

        consul.deleteKv("pool/b");

        HttpResponse<String> afterDelete = Http.await(poll);
        assertThat(ConsulAnswer.json(afterDelete)).hasSize(1);
        assertThat(ConsulAnswer.index(afterDelete)).isGreaterThan(ConsulAnswer.index(first));

        consul.reapTombstones();
        assertThat(ConsulAnswer.index(http.get("/v1/kv/pool/?recurse"))).as("index went backwards").isLessThan(ConsulAnswer.index(afterDelete));
    }

    @Test
    void sessionsAndBadRequestsFailLikeConsul() {
        assertThat(http.send("PUT", "/v1/kv/k?acquire=abc", "x").statusCode()).isEqualTo(500);
        assertThat(http.send("PUT", "/v1/kv/k?cas=1&acquire=abc", "x").statusCode()).isEqualTo(400);
        assertThat(http.send("PUT", "/v1/kv/", "x").body()).isEqualTo("Missing key name");
        assertThat(http.get("/v1/kv/").body()).isEqualTo("Missing key name");
        assertThat(http.send("PUT", "/v1/kv/big", "x".repeat(KvEndpoint.MAX_VALUE_SIZE + 1)).statusCode()).isEqualTo(413);
    }
}
