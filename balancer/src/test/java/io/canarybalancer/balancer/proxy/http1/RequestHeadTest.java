package io.canarybalancer.balancer.proxy.http1;

import io.canarybalancer.balancer.proxy.http1.RawHeads.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.Http2Headers;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static io.canarybalancer.balancer.proxy.http1.RawHeads.bytes;
import static io.canarybalancer.balancer.proxy.http1.RawHeads.request;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A request head read from raw bytes: what is refused and with which status, what the proxy reads
 * from it, and the head the backend gets. The first group keeps every case of the Netty-era
 * validator and codec tests, with the same inputs and answers.
 */
class RequestHeadTest {
    private static final String HOST = "Host: lb\r\n";
    /** What every forwarded head ends with, for a client at {@link RawHeads#CLIENT_IP} that sent {@code Host: lb}. */
    private static final String FORWARDED_LB = "x-forwarded-for: 10.0.0.9\r\nx-forwarded-proto: http\r\nx-forwarded-host: lb\r\n\r\n";
    /** Every hop-by-hop field, a field named by Connection, and the two Connection must not drop. */
    private static final String HOP_BY_HOP = "POST /a HTTP/1.1\r\n"
            + "Host: lb\r\n"
            + "Connection: Keep-Alive, X-Secret, content-length, HOST\r\n"
            + "Keep-Alive: timeout=5\r\n"
            + "Proxy-Connection: keep-alive\r\n"
            + "TE: trailers\r\n"
            + "Trailer: X-Sum\r\n"
            + "Upgrade: websocket\r\n"
            + "Proxy-Authenticate: Basic\r\n"
            + "Proxy-Authorization: Basic Zm9vOmJhcg==\r\n"
            + "x-secret: s\r\n"
            + "X-Kept: k\r\n"
            + "Content-Length: 3\r\n"
            + "\r\n";

    // The target forms, versions, Host and framing rules of the former RequestValidatorTest.

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
            "GET     | /version?x=1&y=%2F&q={a}^",
            "GET     | /",
            "OPTIONS | *",
            "GET     | http://lb/version",
            "GET     | HTTP://lb:8080",
            "GET     | http://[::1]:80/x?y",
            "CONNECT | lb:443",
            "PURGE   | /cache",
    })
    void acceptsTheThreeTargetForms(String method, String target) {
        Outcome outcome = request(method + " " + target + " HTTP/1.1\r\n" + HOST + "\r\n");

        assertThat(outcome.status()).as(outcome.problem()).isEqualTo(RawHeads.ACCEPTED);
        assertThat(outcome.method()).isEqualTo(method);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
            "GET     | version",
            "GET     | *",
            "GET     | /a#b",
            "GET     | http://lb/a#b",
            "GET     | http://user@lb/",
            "GET     | https://lb/",
            "GET     | ftp://lb/",
            "GET     | http:///x",
            "GET     | /a%2",
            "GET     | /a%zz",
            "GET     | /caf\u00e9",
            "GET     | /a\u007fb",
    })
    void refusesOtherTargetsWith400(String method, String target) {
        assertThat(request(method + " " + target + " HTTP/1.1\r\n" + HOST + "\r\n").status()).isEqualTo(400);
    }

    @Test
    void refusesATargetWithUtf8BytesWith400() {
        byte[] line = "GET /caf\u00e9 HTTP/1.1\r\nHost: lb\r\n\r\n".getBytes(StandardCharsets.UTF_8);

        assertThat(request(line).problem()).isEqualTo("whitespace, control or non-ASCII character in the target");
    }

    @Test
    void refusesUnknownVersionsWith505AndTooManyHeadersWith431() {
        String crowded = "GET / HTTP/1.1\r\n" + HOST + "X-N: 0\r\nX-N: 1\r\nX-N: 2\r\nX-N: 3\r\nX-N: 4\r\n\r\n";

        assertThat(request("GET / HTTP/1.2\r\n" + HOST + "\r\n").status()).isEqualTo(505);
        assertThat(withFieldLimit(crowded, 5).status()).isEqualTo(431);
        assertThat(withFieldLimit(crowded, 5).problem()).isEqualTo("more than 5 header fields");
        assertThat(withFieldLimit(crowded, 6).status()).isEqualTo(RawHeads.ACCEPTED); // Host + 5
    }

    @Test
    void refusesTwoHostHeaders() {
        Outcome outcome = request("GET / HTTP/1.1\r\n" + HOST + "Host: other\r\n\r\n");

        assertThat(outcome.status()).isEqualTo(400);
        assertThat(outcome.problem()).isEqualTo("more than one Host header");
    }

    @ParameterizedTest(name = "Host: {0}")
    @ValueSource(strings = {"lb", "lb:8080", "127.0.0.1:48151", "[::1]", "[2001:db8::7]:443", "my_service.local",
            "xn--bcher-kva.example", "a%41b", "sub!$&'()*+,;=delims", "LB.EXAMPLE:1", "lb:65535"})
    void acceptsHostsOfTheUriSyntax(String host) {
        Outcome outcome = request("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n");

        assertThat(outcome.status()).as(outcome.problem()).isEqualTo(RawHeads.ACCEPTED);
        assertThat(outcome.forwarded()).contains("\r\nHost: " + host + "\r\n", "\r\nx-forwarded-host: " + host + "\r\n");
    }

    /**
     * The former {@code "lb\t"} case is {@code "l\tb"} here: on the wire, whitespace around a value
     * is not part of it (RFC 9110 section 5.5), so {@code "Host: lb\t"} is the valid host {@code lb}
     * (see {@link #whitespaceAroundTheHostIsNotPartOfIt}).
     */
    @ParameterizedTest(name = "Host: {0}")
    @ValueSource(strings = {"bad host", "l\tb", "caf\u00e9", "user@lb", "user:pw@lb:80", "lb:99999",
            "lb:0", "lb:http", "lb:", "lb:80:80", ":80", "", "[::1", "[::1]x", "[zz::1]", "[v1.x]", "lb/x", "lb?x",
            "lb#x", "a%4", "a%zz", "\"lb\""})
    void refusesOtherHostsWith400(String host) {
        Outcome outcome = request("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n");

        assertThat(outcome.status()).isEqualTo(400);
        assertThat(outcome.problem()).isEqualTo("invalid Host: expected host[:port] (RFC 3986), without user info");
    }

    @Test
    void whitespaceAroundTheHostIsNotPartOfIt() {
        Outcome outcome = request("GET / HTTP/1.1\r\nHost: \t lb \t\r\n\r\n");

        assertThat(outcome.forwarded()).isEqualTo("GET / HTTP/1.1\r\nHost: \t lb \t\r\n" + FORWARDED_LB);
    }

    @Test
    void checksTheAuthorityOfAnAbsoluteTargetLikeAHost() {
        assertThat(request("GET http://my_service:8080/x HTTP/1.1\r\n" + HOST + "\r\n").status()).isEqualTo(RawHeads.ACCEPTED);
        assertThat(request("GET http://lb:99999/x HTTP/1.1\r\n" + HOST + "\r\n").status()).isEqualTo(400);
        assertThat(request("GET http://lb:/x HTTP/1.1\r\n" + HOST + "\r\n").status()).isEqualTo(400);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.canarybalancer.balancer.proxy.http1.RawHeads#ambiguousFraming")
    void refusesAmbiguousFraming(String header, String reason) {
        Outcome outcome = request("POST / HTTP/1.1\r\n" + HOST + header + "\r\n\r\n");

        assertThat(outcome.status()).isEqualTo(400);
        assertThat(outcome.problem()).startsWith(reason);
    }

    @Test
    void framingNeedsOneDeclarationAtMost() {
        String post = "POST / HTTP/1.1\r\n" + HOST;

        assertThat(request(post + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n").problem())
                .isEqualTo("both Content-Length and Transfer-Encoding");
        assertThat(request(post + "Content-Length: 3\r\nContent-Length: 3\r\n\r\n").problem())
                .startsWith("more than one Content-Length");
        assertThat(request(post + "Transfer-Encoding: Chunked\r\n\r\n").chunked()).isTrue();
        assertThat(request(post + "Content-Length: 0\r\n\r\n").contentLength()).isZero();
        assertThat(request(post + "\r\n").status()).isEqualTo(RawHeads.ACCEPTED);
    }

    // The raw-byte cases of the former StrictServerCodecTest.

    @Test
    void anObsFoldIsRefusedWith400() {
        Outcome outcome = request("GET /a HTTP/1.1\r\nHost: lb\r\nX-A: a\r\n b\r\n\r\nGET /b HTTP/1.1\r\nHost: lb\r\n\r\n");

        assertThat(outcome.status()).isEqualTo(400);
        assertThat(outcome.problem()).contains("obs-fold");
    }

    @Test
    void anObsFoldIsFoundWhenTheHeadArrivesByteByByte() {
        byte[] raw = bytes("GET /a HTTP/1.1\r\nHost: lb\r\nX-A: a\r\n\tb\r\n\r\n");

        assertThat(request(raw, everyByte(raw.length)).status()).isEqualTo(400);
    }

    @Test
    void aBodyThatLooksLikeAFoldAndAPipelinedRequestAfterItAreFine() {
        String body = "x\r\n y\r\n\r\n";
        String first = "POST /a HTTP/1.1\r\nHost: lb\r\nContent-Length: " + body.length() + "\r\n\r\n";
        byte[] raw = bytes(first + body + "GET /b HTTP/1.1\r\nHost: lb\r\n\r\n");
        HeadBuffer buffer = new HeadBuffer(RawHeads.START_LINE, RawHeads.FIELD_SECTION, 414);
        RequestHead head = new RequestHead(RawHeads.FIELD_COUNT);

        Outcome post = RawHeads.request(buffer, head, raw);
        assertThat(post.end()).isEqualTo(first.length());
        assertThat(post.contentLength()).isEqualTo(body.length());
        buffer.reset();
        byte[] rest = bytes(new String(raw, StandardCharsets.ISO_8859_1).substring(first.length() + body.length()));
        Outcome get = RawHeads.request(buffer, head, rest);

        assertThat(post.target()).isEqualTo("/a");
        assertThat(get.status()).isEqualTo(RawHeads.ACCEPTED);
        assertThat(get.target()).isEqualTo("/b");
    }

    @Test
    void tenFieldsOverALimitOfTenIsAnswered431() {
        Outcome outcome = withFieldLimit("GET / HTTP/1.1\r\nHost: lb\r\n" + "X-N: 1\r\n".repeat(10) + "\r\n", 10);

        assertThat(outcome.status()).isEqualTo(431);
    }

    @Test
    void contentLengthWithTransferEncodingIsRefused() {
        Outcome outcome = request("POST / HTTP/1.1\r\nHost: lb\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");

        assertThat(outcome.status()).isEqualTo(400);
    }

    // The request line, beyond the former cases.

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "GET /version                 | 400",
            "GET  / HTTP/1.1              | 400",
            "GET / HTTP/1.1 x             | 400",
            "'GET / HTTP/1.1\t'           | 400",
            "GET\t/ HTTP/1.1              | 400",
            "G(T / HTTP/1.1               | 400",
            "' GET / HTTP/1.1'            | 400",
            "GET / http/1.1               | 400",
            "GET / HTTP/1.10              | 400",
            "GET / HTTP/1                 | 400",
            "GET / HTTP/3.0               | 505",
            "GET / HTTP/0.9               | 505",
            "PRI * HTTP/2.0               | 505",
    })
    void refusesMalformedRequestLines(String line, int status) {
        assertThat(request(line + "\r\n" + HOST + "\r\n").status()).isEqualTo(status);
    }

    @Test
    void aBadRequestLineIsRefusedBeforeTheRestOfTheHeadArrives() {
        byte[] raw = bytes("GET version HTTP/1.1\r\nHost: lb\r\n");

        assertThat(request(raw).status()).as("no empty line yet").isEqualTo(400);
    }

    @Test
    void emptyLinesBeforeTheRequestLineAreSkippedAndNotForwarded() {
        Outcome outcome = request("\r\n\r\nGET /a HTTP/1.1\r\n" + HOST + "\r\n");

        assertThat(outcome.forwarded()).isEqualTo("GET /a HTTP/1.1\r\n" + HOST + FORWARDED_LB);
    }

    @Test
    void headsSplitAtEveryByteBoundaryReadTheSame() {
        List<String> heads = List.of(
                "GET /a?b=c HTTP/1.1\r\nHost: lb\r\nConnection: keep-alive, X-Drop\r\nX-Drop: 1\r\nX-Keep: 2\r\n\r\n",
                "\r\nPOST http://shop:81/a/../b HTTP/1.0\r\nContent-Length: 12\r\nExpect: 100-continue\r\n\r\n",
                "PUT /up HTTP/1.1\r\nTransfer-Encoding: chunked\r\nHost: lb\r\nX-Forwarded-For: 192.0.2.1\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: lb\r\nCookie: " + "c".repeat(1500) + "\r\nX-After: a\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: lb\r\nX-A: a\r\n b\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: lb\r\nHost: lb\r\n\r\n",
                "GET /a%zz HTTP/1.1\r\nHost: lb\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: lb\r\nX-A: a\u0000\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: lb\rX: b\r\n\r\n");
        for (String text : heads) {
            byte[] raw = bytes(text);
            Outcome whole = request(raw);
            for (int cut = 1; cut < raw.length; cut++) {
                assertThat(request(raw, cut)).as("%s cut at %d", text, cut).isEqualTo(whole);
            }
            assertThat(request(raw, everyByte(raw.length))).as("%s byte by byte", text).isEqualTo(whole);
        }
    }

    /**
     * The request line is read as soon as it is complete; a head that then outgrows the buffer's
     * first array must have its fields read from the array that holds them.
     */
    @Test
    void aHeadThatOutgrowsTheFirstArrayAfterItsRequestLineIsReadWhole() {
        String head = "GET / HTTP/1.1\r\nHost: lb\r\nCookie: " + "c".repeat(1500) + "\r\n\r\n";
        byte[] raw = bytes(head);

        for (int cut : new int[] {1024, 16, 1000}) {
            Outcome outcome = request(raw, cut);

            assertThat(outcome.status()).as("cut at %d: %s", cut, outcome.problem()).isEqualTo(RawHeads.ACCEPTED);
            assertThat(outcome.forwarded()).startsWith(head.substring(0, head.length() - 2));
        }
    }

    @Test
    void headsSplitAtEveryPairOfBoundariesReadTheSame() {
        byte[] raw = bytes("\r\nPOST /a/./b HTTP/1.1\r\nHost: lb:80\r\nContent-Length: 5\r\nConnection: x\r\nX: y\r\n\r\n");
        Outcome whole = request(raw);
        for (int first = 1; first < raw.length; first++) {
            for (int second = first + 1; second < raw.length; second++) {
                assertThat(request(raw, first, second)).as("cut at %d and %d", first, second).isEqualTo(whole);
            }
        }
    }

    // What the proxy reads.

    @Test
    void keepAliveFollowsTheVersionAndTheConnectionTokens() {
        assertThat(request("GET / HTTP/1.1\r\n" + HOST + "\r\n").keepAlive()).isTrue();
        assertThat(request("GET / HTTP/1.1\r\n" + HOST + "Connection: x-a, CLOSE\r\n\r\n").keepAlive()).isFalse();
        assertThat(request("GET / HTTP/1.1\r\n" + HOST + "Connection: x-a\r\nConnection: close\r\n\r\n").keepAlive()).isFalse();
        assertThat(request("GET / HTTP/1.0\r\n\r\n").keepAlive()).isFalse();
        assertThat(request("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keepAlive()).isTrue();
        assertThat(request("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n").keepAlive()).isFalse();
    }

    @Test
    void chunkedBodiesAreForHttp11Only() {
        Outcome outcome = request("POST / HTTP/1.0\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\n");

        assertThat(outcome.status()).isEqualTo(400);
        assertThat(outcome.problem()).isEqualTo("Transfer-Encoding in an HTTP/1.0 request");
    }

    @Test
    void anHttp11RequestNeedsAHostAndAnHttp10OneDoesNot() {
        assertThat(request("GET / HTTP/1.1\r\n\r\n").problem()).isEqualTo("an HTTP/1.1 request needs a Host header");
        assertThat(request("GET / HTTP/1.0\r\n\r\n").status()).isEqualTo(RawHeads.ACCEPTED);
    }

    @Test
    void expectIsReadForTheProxyToAnswer() {
        HeadBuffer buffer = new HeadBuffer(RawHeads.START_LINE, RawHeads.FIELD_SECTION, 414);
        RequestHead head = new RequestHead(RawHeads.FIELD_COUNT);
        RawHeads.request(buffer, head, bytes("POST / HTTP/1.1\r\n" + HOST + "Expect: 100-Continue\r\nContent-Length: 1\r\n\r\n"));
        assertThat(head.hasExpect()).isTrue();
        assertThat(head.expectsContinue()).isTrue();
        assertThat(head.bodyless()).isFalse();

        buffer.reset();
        RawHeads.request(buffer, head, bytes("GET / HTTP/1.1\r\n" + HOST + "Expect: something\r\n\r\n"));
        assertThat(head.hasExpect()).isTrue();
        assertThat(head.expectsContinue()).isFalse();
        assertThat(head.bodyless()).isTrue();
    }

    @Test
    void routingSeesTheFieldsInPlace() {
        HeadBuffer buffer = new HeadBuffer(RawHeads.START_LINE, RawHeads.FIELD_SECTION, 414);
        RequestHead head = new RequestHead(RawHeads.FIELD_COUNT);
        RawHeads.request(buffer, head, bytes("GET /a/%7Eb HTTP/1.1\r\n" + HOST + "X-Canary:  Yes \r\nCookie: a=1; lb=k7\r\n\r\n"));

        assertThat(head.target().toString()).isEqualTo("/a/~b");
        assertThat(head.header("x-canary").toString()).isEqualTo("Yes");
        assertThat(head.header("x-other")).isNull();
        assertThat(head.hasHeader("X-CANARY")).isTrue();
        assertThat(head.hasHeader("x-canary", "yes")).isTrue();
        assertThat(head.hasHeader("x-canary", "no")).isFalse();
        assertThat(head.readCookie("lb").toString()).isEqualTo("k7");
        assertThat(head.cookie("lb").toString()).isEqualTo("k7");
    }

    // The head the backend gets.

    @Test
    void hopByHopFieldsAndThoseConnectionNamesAreNotForwardedButContentLengthAndHostAre() {
        Outcome outcome = request(HOP_BY_HOP);

        assertThat(outcome.forwarded()).isEqualTo("POST /a HTTP/1.1\r\nHost: lb\r\nX-Kept: k\r\nContent-Length: 3\r\n" + FORWARDED_LB);
    }

    @Test
    void everyFieldNamedByAnyConnectionFieldIsDropped() {
        String tokens = "a1, a2, a3, a4, a5, a6, a7, a8, a9";
        Outcome outcome = request("GET / HTTP/1.1\r\nHost: lb\r\nConnection: " + tokens + "\r\nConnection: X-Late\r\n"
                + "A9: 9\r\nX-Late: l\r\nA1: 1\r\n\r\n");

        assertThat(outcome.forwarded()).isEqualTo("GET / HTTP/1.1\r\nHost: lb\r\n" + FORWARDED_LB);
    }

    /** RFC 9110 section 7.6.1: every connection option names a field to remove, {@code close} too. */
    @Test
    void theCloseOptionAlsoNamesAField() {
        Outcome outcome = request("GET / HTTP/1.1\r\nHost: lb\r\nClose: c\r\nConnection: close\r\nX-A: a\r\n\r\n");

        assertThat(outcome.forwarded()).isEqualTo("GET / HTTP/1.1\r\nHost: lb\r\nX-A: a\r\n" + FORWARDED_LB);
        assertThat(outcome.keepAlive()).isFalse();
    }

    @Test
    void expectIsAnsweredByTheProxyAndNotForwarded() {
        Outcome outcome = request("PUT /a HTTP/1.1\r\nHost: lb\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n");

        assertThat(outcome.forwarded()).isEqualTo("PUT /a HTTP/1.1\r\nHost: lb\r\nContent-Length: 1\r\n" + FORWARDED_LB);
    }

    @Test
    void theClientsForwardedForIsKeptAndTheClientAppendedWhileProtoAndHostAreSetAnew() {
        Outcome outcome = request("GET / HTTP/1.1\r\n"
                + "X-Forwarded-For: 192.0.2.1\r\n"
                + "Host: lb\r\n"
                + "X-Forwarded-Proto: https\r\n"
                + "x-forwarded-for: 198.51.100.7, 203.0.113.4 \r\n"
                + "X-Forwarded-Host: evil.example\r\n"
                + "X-Forwarded-For:\r\n"
                + "X-B: b\r\n"
                + "\r\n");

        assertThat(outcome.forwarded()).isEqualTo("GET / HTTP/1.1\r\nHost: lb\r\nX-B: b\r\n"
                + "x-forwarded-for: 192.0.2.1, 198.51.100.7, 203.0.113.4, 10.0.0.9\r\n"
                + "x-forwarded-proto: http\r\nx-forwarded-host: lb\r\n\r\n");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "Connection: Upgrade                  | Upgrade: websocket",
            "Connection: keep-alive, upgrade      | Upgrade: WebSocket",
            "Connection: upgrade                  | Upgrade: websocket/13",
    })
    void aWebSocketUpgradeKeepsItsUpgradeAndSaysConnectionUpgrade(String connection, String upgrade) {
        Outcome outcome = request("GET /chat HTTP/1.1\r\nHost: lb\r\n" + connection + "\r\n" + upgrade + "\r\n\r\n");

        assertThat(outcome.forwarded()).isEqualTo("GET /chat HTTP/1.1\r\nHost: lb\r\n" + upgrade
                + "\r\nconnection: upgrade\r\n" + FORWARDED_LB);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "GET /chat HTTP/1.1\r\nHost: lb\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n",
            "GET /chat HTTP/1.1\r\nHost: lb\r\nConnection: Upgrade\r\nUpgrade: websocket, h2c\r\n\r\n",
            "GET /chat HTTP/1.1\r\nHost: lb\r\nUpgrade: websocket\r\n\r\n",
            "GET /chat HTTP/1.1\r\nHost: lb\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nUpgrade: websocket\r\n\r\n",
            "GET /chat HTTP/1.0\r\nHost: lb\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
            "POST /chat HTTP/1.1\r\nHost: lb\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nContent-Length: 1\r\n\r\n",
    })
    void anyOtherUpgradeIsDroppedAsHopByHop(String raw) {
        Outcome outcome = request(raw);

        assertThat(outcome.status()).isEqualTo(RawHeads.ACCEPTED);
        assertThat(outcome.forwarded()).doesNotContainIgnoringCase("upgrade");
    }

    @Test
    void theUpgradesAllowedAreConfigurable() {
        byte[] raw = bytes("GET /x HTTP/1.1\r\nHost: lb\r\nConnection: upgrade\r\nUpgrade: customproto/2\r\n\r\n");
        RequestHead custom = new RequestHead(100, UpgradeProtocols.of(List.of("websocket", "CustomProto")));
        Outcome outcome = RawHeads.request(new HeadBuffer(1024, 8192, 414), custom, raw);

        assertThat(custom.upgrade()).isTrue();
        assertThat(outcome.forwarded()).contains("Upgrade: customproto/2\r\nconnection: upgrade\r\n");
        assertThat(request(raw).forwarded()).as("not by default").doesNotContainIgnoringCase("upgrade");
    }

    @Test
    void aRequestThatCameOverTlsIsForwardedWithProtoHttpsWhateverTheClientClaimed() {
        HeadBuffer buffer = new HeadBuffer(1024, 8192, 414);
        RequestHead head = new RequestHead(100);
        byte[] raw = bytes("GET / HTTP/1.1\r\nHost: lb\r\nX-Forwarded-Proto: http\r\n\r\n");
        buffer.append(Unpooled.wrappedBuffer(raw), 0, raw.length);
        assertThat(head.readRequestLine(buffer) && head.readFields(buffer)).isTrue();
        ByteBuf out = Unpooled.buffer();

        head.writeForBackend(out, "10.0.0.9", true, "replica", 8080);

        assertThat(out.toString(StandardCharsets.ISO_8859_1)).isEqualTo("GET / HTTP/1.1\r\nHost: lb\r\n"
                + FORWARDED_LB.replace("proto: http", "proto: https"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "http://Shop.example:8080/cart?x=1 | /cart?x=1 | Shop.example:8080",
            "HTTP://lb                         | /         | lb",
            "http://lb?q=1                     | /?q=1     | lb",
            "http://[::1]:81/a/./b             | /a/b      | [::1]:81",
    })
    void anAbsoluteTargetIsForwardedInOriginFormWithItsAuthorityAsHost(String target, String origin, String authority) {
        Outcome outcome = request("GET " + target + " HTTP/1.1\r\nHost: other\r\nX-A: a\r\n\r\n");

        assertThat(outcome.target()).isEqualTo(origin);
        assertThat(outcome.forwarded()).isEqualTo("GET " + origin + " HTTP/1.1\r\nX-A: a\r\nhost: " + authority + "\r\n"
                + "x-forwarded-for: 10.0.0.9\r\nx-forwarded-proto: http\r\nx-forwarded-host: " + authority + "\r\n\r\n");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "/a/./b/../c%7e/%2F?x=/../y | /a/c~/%2F?x=/../y",
            "/a/b/..                    | /a/",
            "/%61%2e/x                  | /a./x",
            "/./                        | /",
            "//a/../b                   | //b",
            "/a?%2e%2e                  | /a?%2e%2e",
    })
    void pathsAreNormalisedBeforeRoutingAndForwarding(String target, String normal) {
        Outcome outcome = request("GET " + target + " HTTP/1.1\r\n" + HOST + "\r\n");

        assertThat(outcome.target()).isEqualTo(normal);
        assertThat(outcome.forwarded()).startsWith("GET " + normal + " HTTP/1.1\r\n");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/..", "/a/../..", "/%2e%2e/x", "/a/.%2E/%2e./b", "http://lb/../x"})
    void aPathThatClimbsAboveTheRootIsRefused(String target) {
        Outcome outcome = request("GET " + target + " HTTP/1.1\r\n" + HOST + "\r\n");

        assertThat(outcome.status()).isEqualTo(400);
        assertThat(outcome.problem()).isEqualTo("the path climbs above the root");
    }

    @Test
    void anHttp10RequestIsForwardedAsHttp11WithTheDefaultHostWhenItHasNone() {
        assertThat(request("GET /a HTTP/1.0\r\nX-A: a\r\n\r\n").forwarded()).isEqualTo("GET /a HTTP/1.1\r\nX-A: a\r\n"
                + "host: replica:8080\r\nx-forwarded-for: 10.0.0.9\r\nx-forwarded-proto: http\r\n\r\n");
        assertThat(request("GET /a HTTP/1.0\r\n" + HOST + "Connection: keep-alive\r\n\r\n").forwarded())
                .isEqualTo("GET /a HTTP/1.1\r\n" + HOST + FORWARDED_LB);
    }

    @Test
    void aChunkedBodyIsReDeclaredAfterTheKeptFields() {
        Outcome outcome = request("POST /a HTTP/1.1\r\nTransfer-Encoding:\tChunked \r\nHost: lb\r\nX-A: a\r\n\r\n");

        assertThat(outcome.forwarded()).isEqualTo("POST /a HTTP/1.1\r\nHost: lb\r\nX-A: a\r\n"
                + "transfer-encoding: chunked\r\n" + FORWARDED_LB);
    }

    @Test
    void keptFieldsAreForwardedByteForByte() {
        String fields = "Host: lb\r\nx-MiXeD:   spaced \t value \t\r\nX-Latin: caf\u00e9\r\nX-Empty:\r\n";

        assertThat(request("GET /a HTTP/1.1\r\n" + fields + "\r\n").forwarded())
                .isEqualTo("GET /a HTTP/1.1\r\n" + fields + FORWARDED_LB);
    }

    @Test
    void theForwardedHeadFitsItsSizeHint() {
        Outcome outcome = request("GET http://a-long-authority.example:8080/x/../y HTTP/1.1\r\nHost: lb\r\n"
                + "X-Forwarded-For: 192.0.2.1\r\nTransfer-Encoding: chunked\r\n\r\n");

        assertThat(outcome.forwarded().length())
                .isLessThanOrEqualTo(outcome.forwardedSizeHint() + RawHeads.CLIENT_IP.length());
    }

    // The fields an HTTP/2 backend gets.

    @Test
    void anHttp2BackendGetsThePseudoFieldsOfTheRequest() {
        Http2Headers plain = forHttp2("GET /a/./b%7e?x=1 HTTP/1.1\r\nHost: lb:80\r\n\r\n", false, false);
        Http2Headers tls = forHttp2("DELETE /a HTTP/1.1\r\nHost: lb\r\n\r\n", false, true);

        assertThat(plain.method().toString()).isEqualTo("GET");
        assertThat(plain.scheme().toString()).as("by the backend connection, not the client's").isEqualTo("http");
        assertThat(plain.path().toString()).isEqualTo("/a/b~?x=1");
        assertThat(plain.authority().toString()).isEqualTo("lb:80");
        assertThat(tls.method().toString()).isEqualTo("DELETE");
        assertThat(tls.scheme().toString()).isEqualTo("https");
        assertThat(forHttp2("OPTIONS * HTTP/1.1\r\nHost: lb\r\n\r\n", false, false).path().toString()).isEqualTo("*");
    }

    @Test
    void theAuthorityOfAnHttp2RequestComesFromTheTargetThenHostThenTheDefault() {
        Http2Headers absolute = forHttp2("GET http://Shop:81/x/../y HTTP/1.1\r\nHost: other\r\n\r\n", false, false);
        Http2Headers http10 = forHttp2("GET /a HTTP/1.0\r\nX-A: a\r\n\r\n", false, false);

        assertThat(absolute.authority().toString()).isEqualTo("Shop:81");
        assertThat(absolute.path().toString()).isEqualTo("/y");
        assertThat(absolute.contains("host")).isFalse();
        assertThat(absolute.get("x-forwarded-host").toString()).isEqualTo("Shop:81");
        assertThat(http10.authority().toString()).isEqualTo(RawHeads.DEFAULT_HOST);
        assertThat(http10.contains("x-forwarded-host")).as("no host was asked for").isFalse();
    }

    @Test
    void anHttp2BackendGetsTheKeptFieldsNamedInLowerCaseAndInOrder() {
        Http2Headers out = forHttp2("POST /up HTTP/1.1\r\nHost: lb\r\nX-MiXeD:  v \r\nContent-Type: text/plain\r\n"
                + "Cookie: a=1\r\nContent-Length: 3\r\nX-Empty:\r\n\r\n", false, false);

        assertThat(names(out)).containsExactly(":method", ":scheme", ":path", ":authority", "x-mixed", "content-type",
                "cookie", "content-length", "x-empty", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host");
        assertThat(out.get("x-mixed").toString()).isEqualTo("v");
        assertThat(out.get("content-length").toString()).isEqualTo("3");
        assertThat(out.get("x-empty").toString()).isEmpty();
    }

    @Test
    void anHttp2BackendGetsNoHopByHopFieldNorHost() {
        Http2Headers out = forHttp2(HOP_BY_HOP, false, false);
        Http2Headers chunked = forHttp2("POST /a HTTP/1.1\r\nHost: lb\r\nExpect: 100-continue\r\n"
                + "Transfer-Encoding: chunked\r\nX-Kept: k\r\n\r\n", false, false);

        assertThat(names(out)).containsExactly(":method", ":scheme", ":path", ":authority", "x-kept",
                "content-length", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host");
        assertThat(names(chunked)).containsExactly(":method", ":scheme", ":path", ":authority", "x-kept",
                "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host");
    }

    @Test
    void anHttp2BackendGetsTheForwardingFieldsSetAnew() {
        String raw = "GET / HTTP/1.1\r\nX-Forwarded-For: 192.0.2.1\r\nHost: lb\r\nX-Forwarded-Proto: http\r\n"
                + "x-forwarded-for: 198.51.100.7\r\nX-Forwarded-Host: evil.example\r\nX-Forwarded-For:\r\n\r\n";

        Http2Headers out = forHttp2(raw, true, false);

        assertThat(out.getAll("x-forwarded-for")).extracting(CharSequence::toString)
                .containsExactly("192.0.2.1, 198.51.100.7, " + RawHeads.CLIENT_IP);
        assertThat(out.getAll("x-forwarded-proto")).extracting(CharSequence::toString)
                .as("the client came over TLS").containsExactly("https");
        assertThat(out.getAll("x-forwarded-host")).extracting(CharSequence::toString).containsExactly("lb");
        assertThat(forHttp2(raw, null, false, false).contains("x-forwarded-for"))
                .as("without a client IP the chain is dropped").isFalse();
    }

    private static Http2Headers forHttp2(String raw, boolean https, boolean backendTls) {
        return forHttp2(raw, RawHeads.CLIENT_IP, https, backendTls);
    }

    private static Http2Headers forHttp2(String raw, String clientIp, boolean https, boolean backendTls) {
        HeadBuffer buffer = new HeadBuffer(RawHeads.START_LINE, RawHeads.FIELD_SECTION, 414);
        RequestHead head = new RequestHead(RawHeads.FIELD_COUNT);
        byte[] bytes = bytes(raw);
        buffer.append(Unpooled.wrappedBuffer(bytes), 0, bytes.length);
        assertThat(head.readRequestLine(buffer) && head.readFields(buffer)).as(head.problem()).isTrue();
        return head.forHttp2Backend(clientIp, https, backendTls, RawHeads.DEFAULT_HOST_NAME, RawHeads.DEFAULT_PORT);
    }

    private static List<String> names(Http2Headers headers) {
        List<String> names = new ArrayList<>();
        headers.forEach(field -> names.add(field.getKey().toString()));
        return names;
    }

    private static Outcome withFieldLimit(String raw, int maxFieldCount) {
        return RawHeads.request(new HeadBuffer(RawHeads.START_LINE, RawHeads.FIELD_SECTION, 414),
                new RequestHead(maxFieldCount), bytes(raw));
    }

    private static int[] everyByte(int length) {
        List<Integer> cuts = new ArrayList<>();
        for (int i = 1; i < length; i++) {
            cuts.add(i);
        }
        return cuts.stream().mapToInt(Integer::intValue).toArray();
    }
}
