package io.canarybalancer.balancer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Strict HTTP/1.1 parsing, seen from a client: a corpus of malformed and smuggling requests sent
 * over raw sockets to the real balancer. Each one is answered with its status and the connection
 * closed, nothing of it reaches the backend, and the balancer keeps serving well-formed requests.
 * Limits are set low through the configuration's {@code limits} section to reach them cheaply.
 */
class MalformedRequestsIT {
    private static final String HOST = "Host: lb\r\n";
    private static final String POST = "POST /upload HTTP/1.1\r\n" + HOST;
    private static final String CHUNKED = POST + "Transfer-Encoding: chunked\r\n\r\n";

    @TempDir
    static Path dir;
    static TestBackend backend;
    static BalancerProcess balancer;

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend("stable-1");
        balancer = BalancerProcess.start(TestConfigs.config(dir, TestConfigs.replicas(List.of(backend), List.of()), """
                limits:
                  requestLine: 1024
                  headerSize: 4096
                  headerCount: 20
                """));
    }

    @AfterAll
    static void stop() {
        balancer.close();
        backend.close();
    }

    static Stream<Arguments> corpus() {
        return Stream.of(
                // Request smuggling: two ways to read the body length.
                bad("CL.TE: Content-Length then Transfer-Encoding", 400,
                        POST + "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG"),
                bad("TE.CL: Transfer-Encoding then Content-Length", 400,
                        POST + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n"),
                bad("TE.TE: chunked and a second, bogus Transfer-Encoding", 400,
                        POST + "Transfer-Encoding: chunked\r\nTransfer-Encoding: cow\r\n\r\n0\r\n\r\n"),
                bad("TE.TE: Transfer-Encoding repeated, both chunked", 400,
                        POST + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
                bad("TE obfuscated: xchunked, with a Content-Length", 400,
                        POST + "Content-Length: 4\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n"),
                bad("TE obfuscated: space before the colon", 400,
                        POST + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n"),
                bad("TE obfuscated: tab before the colon", 400,
                        POST + "Transfer-Encoding\t: chunked\r\n\r\n0\r\n\r\n"),
                bad("TE obfuscated: vertical tab before the value", 400,
                        POST + "Transfer-Encoding:\u000bchunked\r\n\r\n0\r\n\r\n"),
                bad("TE obfuscated: value folded onto the next line", 400,
                        POST + "Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n"),
                bad("TE obfuscated: quoted \"chunked\"", 400,
                        POST + "Transfer-Encoding: \"chunked\"\r\n\r\n0\r\n\r\n"),
                bad("TE list: chunked, identity", 400,
                        POST + "Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n"),
                bad("TE list: identity, chunked (only chunked alone is forwardable)", 400,
                        POST + "Transfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n"),
                bad("TE list: gzip, chunked (only chunked alone is forwardable)", 400,
                        POST + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"),
                bad("TE in an HTTP/1.0 request", 400,
                        "POST /upload HTTP/1.0\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
                // Content-Length: exactly one, plain digits.
                bad("CL twice, same value", 400, POST + "Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc"),
                bad("CL twice, differing values", 400, POST + "Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"),
                bad("CL as a list", 400, POST + "Content-Length: 3, 3\r\n\r\nabc"),
                bad("CL with a plus sign", 400, POST + "Content-Length: +3\r\n\r\nabc"),
                bad("CL with leading zeros (refused by choice: octal readings)", 400,
                        POST + "Content-Length: 003\r\n\r\nabc"),
                bad("CL negative", 400, POST + "Content-Length: -1\r\n\r\nabc"),
                bad("CL in hex", 400, POST + "Content-Length: 0x3\r\n\r\nabc"),
                bad("CL beyond a long", 400, POST + "Content-Length: 99999999999999999999\r\n\r\nabc"),
                // Header syntax.
                bad("obs-fold continuation line", 400, "GET /version HTTP/1.1\r\n" + HOST + "X-A: a\r\n b\r\n\r\n"),
                bad("whitespace-led line before the first header", 400, "GET /version HTTP/1.1\r\n Host: lb\r\n\r\n"),
                bad("bare LF line endings", 400, "GET /version HTTP/1.1\nHost: lb\n\n"),
                bad("bare LF ending one header line", 400, "GET /version HTTP/1.1\r\nHost: lb\nX-A: b\r\n\r\n"),
                bad("bare CR inside the head", 400, "GET /version HTTP/1.1\r\nHost: lb\rX-A: b\r\n\r\n"),
                bad("NUL in a header value", 400, "GET /version HTTP/1.1\r\n" + HOST + "X-A: a\u0000b\r\n\r\n"),
                bad("control character in a header name", 400, "GET /version HTTP/1.1\r\n" + HOST + "X\u0001A: a\r\n\r\n"),
                bad("space before the colon", 400, "GET /version HTTP/1.1\r\nHost : lb\r\n\r\n"),
                bad("header line without a colon", 400, "GET /version HTTP/1.1\r\n" + HOST + "Oops\r\n\r\n"),
                bad("two Host headers", 400, "GET /version HTTP/1.1\r\n" + HOST + "Host: other\r\n\r\n"),
                // Host: RFC 3986 host [":" port], nothing else.
                bad("Host with a space", 400, "GET /version HTTP/1.1\r\nHost: bad host\r\n\r\n"),
                bad("Host with a tab inside", 400, "GET /version HTTP/1.1\r\nHost: lb\tx\r\n\r\n"),
                bad("Host with DEL", 400, "GET /version HTTP/1.1\r\nHost: lb\u007f\r\n\r\n"),
                bad("Host with user info", 400, "GET /version HTTP/1.1\r\nHost: user@lb\r\n\r\n"),
                bad("Host with a port above 65535", 400, "GET /version HTTP/1.1\r\nHost: lb:65536\r\n\r\n"),
                bad("Host with a port that is not a number", 400, "GET /version HTTP/1.1\r\nHost: lb:http\r\n\r\n"),
                bad("Host with a path", 400, "GET /version HTTP/1.1\r\nHost: lb/version\r\n\r\n"),
                bad("Host empty", 400, "GET /version HTTP/1.1\r\nHost: \r\n\r\n"),
                bad("Host with an unclosed IPv6 literal", 400, "GET /version HTTP/1.1\r\nHost: [::1\r\n\r\n"),
                bad("absolute-form with a port above 65535", 400, "GET http://lb:70000/version HTTP/1.1\r\n" + HOST + "\r\n"),
                // Request line.
                bad("invalid character in the method", 400, "G(T /version HTTP/1.1\r\n" + HOST + "\r\n"),
                bad("target without a leading slash", 400, "GET version HTTP/1.1\r\n" + HOST + "\r\n"),
                bad("absolute-form with user info", 400, "GET http://user:pw@lb/version HTTP/1.1\r\n" + HOST + "\r\n"),
                bad("absolute-form with an https scheme", 400, "GET https://lb/version HTTP/1.1\r\n" + HOST + "\r\n"),
                bad("absolute-form with a non-http scheme", 400, "GET ftp://lb/version HTTP/1.1\r\n" + HOST + "\r\n"),
                bad("absolute-form with a fragment", 400, "GET http://lb/version#top HTTP/1.1\r\n" + HOST + "\r\n"),
                bad("origin-form with a fragment", 400, "GET /version#top HTTP/1.1\r\n" + HOST + "\r\n"),
                bad("asterisk target with GET", 400, "GET * HTTP/1.1\r\n" + HOST + "\r\n"),
                bad("control character in the target", 400, "GET /ver\u0001sion HTTP/1.1\r\n" + HOST + "\r\n"),
                bad("broken percent escape in the target", 400, "GET /version%zz HTTP/1.1\r\n" + HOST + "\r\n"),
                bad("HTTP/0.9-style request line", 400, "GET /version\r\n"),
                bad("unknown version HTTP/1.2", 505, "GET /version HTTP/1.2\r\n" + HOST + "\r\n"),
                bad("unknown version HTTP/3.0", 505, "GET /version HTTP/3.0\r\n" + HOST + "\r\n"),
                // The whole preface opens an HTTP/2 connection (Http2IT); one that breaks off is HTTP/1.1.
                bad("a broken HTTP/2 connection preface", 505, "PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n"),
                bad("an HTTP/2.0 request line", 505, "GET /version HTTP/2.0\r\n" + HOST + "\r\n"),
                // Limits (set in this test's configuration).
                bad("request line over limits.requestLine", 414,
                        "GET /" + "a".repeat(1100) + " HTTP/1.1\r\n" + HOST + "\r\n"),
                bad("more headers than limits.headerCount", 431,
                        "GET /version HTTP/1.1\r\n" + HOST + "X-N: 1\r\n".repeat(25) + "\r\n"),
                bad("header block over limits.headerSize", 431,
                        "GET /version HTTP/1.1\r\n" + HOST + ("X-Big: " + "b".repeat(1000) + "\r\n").repeat(5) + "\r\n"),
                // Broken chunked bodies after a valid head: 400 and close, never forwarded.
                bad("chunk size not hex", 400, CHUNKED + "zz\r\nabc\r\n0\r\n\r\n"),
                bad("chunk size with a sign", 400, CHUNKED + "+3\r\nabc\r\n0\r\n\r\n"),
                bad("malformed chunk extension", 400, CHUNKED + "3;a=\"b\r\nabc\r\n0\r\n\r\n"),
                bad("chunk extension over the line limit", 400, CHUNKED + "3;x=" + "y".repeat(2000) + "\r\nabc\r\n0\r\n\r\n"),
                bad("chunk data not ended by CRLF", 400, CHUNKED + "3\r\nabcXX0\r\n\r\n"),
                bad("chunked body with bare LF", 400, CHUNKED + "3\nabc\n0\n\n"));
    }

    private static Arguments bad(String name, int status, String raw) {
        return arguments(name, status, raw);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("corpus")
    void isAnsweredClosedAndNeverForwarded(String name, int status, String raw) throws Exception {
        int before = backend.requests();
        try (RawHttp client = new RawHttp(balancer.port())) {
            RawHttp.Response response = client.send(raw).read();

            assertThat(response).as("a status before the close").isNotNull();
            assertThat(response.status()).isEqualTo(status);
            assertThat(response.header("Connection")).isEqualTo("close");
            assertThat(client.closedByServer()).isTrue();
        }

        assertWellFormedRequestIsServed();
        // The well-formed request is the only one the backend saw since: the malformed one never got there.
        assertThat(backend.requests()).isEqualTo(before + 1);
    }

    @Test
    void theCorpusHasAtLeastThirtyCases() {
        assertThat(corpus().count()).isGreaterThanOrEqualTo(30);
    }

    @Test
    void strictIsNotFussy() throws Exception {
        // Accepted on purpose: the coding name in any case, OWS around values, a tab as OWS,
        // an absolute http target, a valid chunk extension (dropped when forwarded).
        try (RawHttp client = new RawHttp(balancer.port())) {
            RawHttp.Response chunked = client.send(POST + "Transfer-Encoding:\tChunked \r\n\r\n3;name=value\r\nabc\r\n0\r\n\r\n").read();
            RawHttp.Response absolute = client.send("GET http://lb/version HTTP/1.1\r\n" + HOST + "\r\n").read();

            assertThat(chunked.status()).isEqualTo(200);
            assertThat(chunked.body()).isEqualTo("3");
            assertThat(absolute.status()).isEqualTo(200);
        }
    }

    @Test
    void theAuthorityOfAnAbsoluteTargetWinsOverHost() throws Exception {
        try (RawHttp client = new RawHttp(balancer.port())) {
            RawHttp.Response response = client.send("GET http://shop.example:8080/headers HTTP/1.1\r\n" + HOST
                    + "\r\n").read();

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).contains("host=shop.example:8080").contains("x-forwarded-host=shop.example:8080")
                    .doesNotContain("=lb");
            assertThat(backend.lastTarget()).as("the target as the backend got it").isEqualTo("/headers");
        }
    }

    private static void assertWellFormedRequestIsServed() throws Exception {
        try (RawHttp client = new RawHttp(balancer.port())) {
            RawHttp.Response response = client.send("GET /version HTTP/1.1\r\n" + HOST + "\r\n").read();
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("stable-1");
        }
    }
}
