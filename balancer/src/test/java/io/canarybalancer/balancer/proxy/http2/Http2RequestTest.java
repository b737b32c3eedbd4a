package io.canarybalancer.balancer.proxy.http2;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The head of an HTTP/2 request stream: what is refused (a malformed request, and anything an
 * HTTP/1.1 backend would read as a second line), what routing reads from it, and the heads the
 * backends get. The names are in lower case, as Netty's HPACK decoder hands them over.
 */
class Http2RequestTest {
    private static final String CLIENT_IP = "10.0.0.9";

    // What is refused.

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "/a/./b/../c%7e?x=/../y | /a/c~?x=/../y",
            "/%63redit              | /credit",
            "/credit/version        | /credit/version",
            "/a/b/..                | /a/",
    })
    void theTargetIsThePathNormalised(String path, String target) {
        Http2Request request = read(get(path), true);

        assertThat(request.problem()).isNull();
        assertThat(request.target().toString()).isEqualTo(target);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/..", "/a/../..", "/%2e%2e/x", "/a/.%2E/%2e./b"})
    void aPathThatClimbsAboveTheRootIsAProblem(String path) {
        assertThat(read(get(path), true).problem()).isEqualTo("the path climbs above the root");
    }

    @Test
    void aPathMustStartWithASlash() {
        assertThat(read(get("credit"), true).problem()).isEqualTo(":path must start with '/'");
    }

    @Test
    void aRequestNeedsMethodSchemeAndPath() {
        Http2Headers noScheme = headers().method("GET").path("/").authority("lb");
        Http2Headers noPath = headers().method("GET").scheme("http").authority("lb");
        Http2Headers emptyPath = get("");
        Http2Headers noMethod = headers().scheme("http").path("/").authority("lb");

        assertThat(read(noScheme, true).problem()).isEqualTo("a request needs :method, :scheme and :path");
        assertThat(read(noPath, true).problem()).isEqualTo("a request needs :method, :scheme and :path");
        assertThat(read(emptyPath, true).problem()).isEqualTo("a request needs :method, :scheme and :path");
        assertThat(read(noMethod, true).problem()).isEqualTo("no :method");
    }

    @Test
    void anAsteriskPathIsForOptionsOnly() {
        Http2Request options = read(request("OPTIONS", "*"), true);

        assertThat(options.problem()).isNull();
        assertThat(options.target().toString()).isEqualTo("*");
        assertThat(read(get("*"), true).problem()).isEqualTo(":path '*' is only for OPTIONS");
    }

    @Test
    void connectIsAcceptedWithoutAPathForTheProxyToRefuse() {
        Http2Request connect = read(headers().method("CONNECT").authority("lb:443"), true);

        assertThat(connect.problem()).isNull();
        assertThat(connect.isConnect()).isTrue();
        assertThat(read(get("/"), true).isConnect()).isFalse();
    }

    @ParameterizedTest(name = "#{index}")
    @ValueSource(strings = {"\r", "\n", "\u0000", "\r\nx-injected: 1"})
    void aLineBreakOrNulInAnyValueIsAProblem(String bad) {
        Http2Headers inField = get("/").add("x-a", "a" + bad + "b");
        Http2Headers inPath = get("/a" + bad);
        Http2Headers inAuthority = headers().method("GET").scheme("http").path("/").authority("lb" + bad);

        assertThat(read(inField, true).problem()).isEqualTo("a NUL, CR or LF in the value of x-a");
        assertThat(read(inPath, true).problem()).isEqualTo("a NUL, CR or LF in the value of :path");
        assertThat(read(inAuthority, true).problem()).isEqualTo("a NUL, CR or LF in the value of :authority");
    }

    @Test
    void otherControlCharactersAndTabsAreNotAProblem() {
        assertThat(read(get("/").add("x-a", "a\tb\u0001"), true).problem()).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"user@lb", "bad host", "lb:0", "lb:65536", "lb:", "[::1", "l%zzb"})
    void anAuthorityIsHeldToTheRuleOfHost(String bad) {
        assertThat(read(get("/").authority(bad), true).problem())
                .isEqualTo("the authority must be host[:port], got '" + bad + "'");
        assertThat(read(headers().method("GET").scheme("http").path("/").add("host", bad), true).problem())
                .as("a host field in place of :authority").isEqualTo("the authority must be host[:port], got '" + bad + "'");
        for (String good : new String[] {"lb", "lb:8080", "10.0.0.1:443", "[::1]:443", "shop.example"}) {
            assertThat(read(get("/").authority(good), true).problem()).as(good).isNull();
        }
    }

    @ParameterizedTest(name = "#{index}")
    @ValueSource(strings = {" a", "a ", "\ta", "a\t", " "})
    void whitespaceAtEitherEndOfAValueIsAProblem(String bad) {
        assertThat(read(get("/").add("x-a", bad), true).problem())
                .isEqualTo("the value of x-a starts or ends with whitespace");
        assertThat(read(get("/").add("x-a", "a b").add("x-empty", ""), true).problem()).as("inside, or empty").isNull();
    }

    @ParameterizedTest(name = "content-length: ''{0}''")
    @ValueSource(strings = {"007", "00", "-1", "1e3", "5 5", "", "1234567890123456789"})
    void aContentLengthMustBePlainDigits(String length) {
        assertThat(read(post().add("content-length", length), false).problem())
                .isEqualTo("content-length must be digits without leading zeros, got '" + length + "'");
    }

    @Test
    void aContentLengthIsReadOnceAndMustAgreeWithTheStream() {
        assertThat(read(post().add("content-length", "12"), false).contentLength()).isEqualTo(12);
        assertThat(read(post(), false).contentLength()).isEqualTo(-1);
        assertThat(read(post().add("content-length", "0"), true).problem()).isNull();
        assertThat(read(post().add("content-length", "5").add("content-length", "5"), false).problem())
                .isEqualTo("more than one content-length");
        assertThat(read(post().add("content-length", "5"), true).problem())
                .isEqualTo("content-length 5 on a request without a body");
    }

    // What routing reads.

    @Test
    void headerLookupsIgnoreTheCaseOfTheName() {
        Http2Request request = read(get("/").add("x-canary", "Yes"), true);

        assertThat(request.hasHeader("X-Canary")).isTrue();
        assertThat(request.hasHeader("x-other")).isFalse();
        assertThat(request.header("X-CANARY").toString()).isEqualTo("Yes");
        assertThat(request.header("x-other")).isNull();
    }

    @Test
    void aHeaderValueMatchesIgnoringAsciiCaseInAnyOfItsFields() {
        Http2Request request = read(get("/").add("x-canary", "no").add("x-canary", "YES"), true);

        assertThat(request.hasHeader("X-Canary", "yes")).isTrue();
        assertThat(request.hasHeader("x-canary", "No")).isTrue();
        assertThat(request.hasHeader("x-canary", "maybe")).isFalse();
        assertThat(request.hasHeader("x-other", "yes")).isFalse();
    }

    @Test
    void cookiesSplitOverSeveralFieldsAreAllFound() {
        Http2Request request = read(get("/").add("cookie", "a=1").add("cookie", "lb=k7; b=2").add("cookie", "c=3"), true);

        assertThat(request.cookie("a").toString()).isEqualTo("1");
        assertThat(request.cookie("lb").toString()).isEqualTo("k7");
        assertThat(request.cookie("c").toString()).isEqualTo("3");
        assertThat(request.cookie("d")).isNull();
        assertThat(read(get("/"), true).cookie("a")).isNull();
    }

    @Test
    void readingACookieAssignsItAndAnAssignedCookieWins() {
        Http2Request request = read(get("/").add("cookie", "x=0").add("cookie", "lb=k7").add("cookie", "empty="), true);

        assertThat(request.readCookie("lb").toString()).isEqualTo("k7");
        assertThat(request.cookie("lb").toString()).isEqualTo("k7");
        assertThat(request.readCookie("empty")).isNull();
        assertThat(request.readCookie("none")).isNull();

        request.assignCookie("lb", "k9");
        assertThat(request.cookie("lb").toString()).isEqualTo("k9");
        assertThat(request.cookie("x").toString()).isEqualTo("0");
    }

    @ParameterizedTest(name = "{0}, ends with headers: {1} -> {2}")
    @CsvSource({
            "GET, true, true", "HEAD, true, true", "OPTIONS, true, true", "PUT, true, true", "DELETE, true, true",
            "TRACE, true, true", "POST, true, false", "PATCH, true, false", "GET, false, false", "PUT, false, false",
    })
    void onlyABodylessIdempotentRequestIsReplayable(String method, boolean endStream, boolean replayable) {
        Http2Request request = read(request(method, "/"), endStream);

        assertThat(request.replayable()).isEqualTo(replayable);
        assertThat(request.bodyless()).isEqualTo(endStream);
        assertThat(request.isHead()).isEqualTo(method.equals("HEAD"));
    }

    // The HTTP/1.1 head an HTTP/1.1 backend gets.

    @Test
    void anHttp1HeadHasTheNormalisedPathAndTheAuthorityAsHost() {
        String head = http1(read(get("/a/../b%7e?q=1").add("x-a", "a"), true), false, CLIENT_IP, false);

        assertThat(head).isEqualTo("GET /b~?q=1 HTTP/1.1\r\nhost: lb:8443\r\nx-a: a\r\n"
                + "x-forwarded-for: 10.0.0.9\r\nx-forwarded-proto: http\r\nx-forwarded-host: lb:8443\r\n\r\n");
    }

    @Test
    void withoutAnAuthorityTheHostFieldOrElseTheDefaultHostIsSent() {
        Http2Headers withHost = headers().method("GET").scheme("http").path("/").add("host", "shop");
        Http2Headers neither = headers().method("GET").scheme("http").path("/");

        assertThat(http1(read(withHost, true), false, CLIENT_IP, false))
                .isEqualTo("GET / HTTP/1.1\r\nhost: shop\r\n"
                        + "x-forwarded-for: 10.0.0.9\r\nx-forwarded-proto: http\r\nx-forwarded-host: shop\r\n\r\n");
        assertThat(http1(read(neither, true), false, CLIENT_IP, false))
                .isEqualTo("GET / HTTP/1.1\r\nhost: replica:8080\r\n"
                        + "x-forwarded-for: 10.0.0.9\r\nx-forwarded-proto: http\r\n\r\n");
    }

    @Test
    void anHttp1HeadDropsTeExpectPseudoFieldsAndTheClientsForwardingFields() {
        Http2Headers headers = get("/").add("te", "trailers").add("expect", "100-continue").add("host", "other")
                .add("x-forwarded-proto", "https").add("x-forwarded-host", "evil.example").add("x-kept", "k");

        assertThat(http1(read(headers, true), false, CLIENT_IP, false)).isEqualTo("GET / HTTP/1.1\r\nhost: lb:8443\r\n"
                + "x-kept: k\r\nx-forwarded-for: 10.0.0.9\r\nx-forwarded-proto: http\r\nx-forwarded-host: lb:8443\r\n\r\n");
    }

    @Test
    void anHttp1HeadJoinsTheCookieFieldsOnOneLine() {
        Http2Headers headers = get("/").add("cookie", "a=1").add("x-a", "a").add("cookie", "b=2").add("cookie", "c=3");

        String head = http1(read(headers, true), false, CLIENT_IP, false);

        assertThat(head).contains("\r\ncookie: a=1; b=2; c=3\r\n");
        assertThat(head.split("cookie:", -1)).as("one cookie line").hasSize(2);
    }

    @Test
    void anHttp1HeadIsChunkedOnlyWhenAsked() {
        Http2Request request = read(post().add("content-length", "3"), false);

        assertThat(http1(request, true, CLIENT_IP, false)).contains("\r\ntransfer-encoding: chunked\r\n");
        assertThat(http1(request, false, CLIENT_IP, false)).doesNotContain("transfer-encoding")
                .contains("\r\ncontent-length: 3\r\n");
    }

    @Test
    void theClientIsAppendedToItsForwardedForChain() {
        Http2Headers headers = get("/").add("x-forwarded-for", "192.0.2.1").add("x-forwarded-for", "")
                .add("x-forwarded-for", "198.51.100.7, 203.0.113.4");

        assertThat(http1(read(headers, true), false, CLIENT_IP, true)).isEqualTo("GET / HTTP/1.1\r\nhost: lb:8443\r\n"
                + "x-forwarded-for: 192.0.2.1, 198.51.100.7, 203.0.113.4, 10.0.0.9\r\n"
                + "x-forwarded-proto: https\r\nx-forwarded-host: lb:8443\r\n\r\n");
    }

    @Test
    void withoutAClientIpThereIsNoForwardedFor() {
        Http2Headers headers = get("/").add("x-forwarded-for", "192.0.2.1");

        String head = http1(read(headers, true), false, null, false);

        assertThat(head).doesNotContain("x-forwarded-for").contains("\r\nx-forwarded-proto: http\r\n");
        assertThat(read(headers, true).forHttp2Backend(null, false).contains("x-forwarded-for")).isFalse();
    }

    // The fields an HTTP/2 backend gets.

    @Test
    void anHttp2BackendGetsTheFieldsWithTheNormalisedPathAndForwardingFieldsSetAnew() {
        Http2Headers headers = headers().method("POST").scheme("https").path("/svc/./Call")
                .authority("lb:8443").add("te", "trailers").add("content-type", "application/grpc")
                .add("x-canary", "1").add("cookie", "a=1").add("cookie", "b=2")
                .add("x-forwarded-for", "192.0.2.1").add("x-forwarded-proto", "http")
                .add("x-forwarded-host", "evil.example");

        Http2Headers out = read(headers, false).forHttp2Backend(CLIENT_IP, true);

        assertThat(out.method().toString()).isEqualTo("POST");
        assertThat(out.scheme().toString()).isEqualTo("https");
        assertThat(out.path().toString()).isEqualTo("/svc/Call");
        assertThat(out.authority().toString()).isEqualTo("lb:8443");
        assertThat(out.get("te").toString()).isEqualTo("trailers");
        assertThat(out.get("content-type").toString()).isEqualTo("application/grpc");
        assertThat(out.get("x-canary").toString()).isEqualTo("1");
        assertThat(out.getAll("cookie")).extracting(CharSequence::toString).containsExactly("a=1", "b=2");
        assertThat(out.getAll("x-forwarded-for")).extracting(CharSequence::toString)
                .containsExactly("192.0.2.1, 10.0.0.9");
        assertThat(out.getAll("x-forwarded-proto")).extracting(CharSequence::toString).containsExactly("https");
        assertThat(out.getAll("x-forwarded-host")).extracting(CharSequence::toString).containsExactly("lb:8443");
        assertThat(out.size()).as("no other field").isEqualTo(12);
    }

    @Test
    void anHttp2BackendGetsTheFieldsInTheirOrderWithPseudoFieldsFirst() {
        Http2Headers out = read(get("/").add("x-b", "b").add("x-a", "a"), true).forHttp2Backend(CLIENT_IP, false);

        List<String> names = new ArrayList<>();
        out.forEach(field -> names.add(field.getKey().toString()));

        assertThat(names.subList(0, 4)).containsExactlyInAnyOrder(":method", ":scheme", ":path", ":authority");
        assertThat(names.subList(4, names.size()))
                .containsExactly("x-b", "x-a", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host");
    }

    private static Http2Request read(Http2Headers headers, boolean endStream) {
        return Http2Request.read(headers, endStream);
    }

    /**
     * Fields unchecked by Netty, as the HPACK decoder may hand them over: its checks of values are
     * optional, and {@link Http2Request#read} must not depend on them.
     */
    private static Http2Headers headers() {
        return new DefaultHttp2Headers(false);
    }

    private static Http2Headers request(String method, String path) {
        return headers().method(method).scheme("http").path(path).authority("lb:8443");
    }

    private static Http2Headers get(String path) {
        return request("GET", path);
    }

    private static Http2Headers post() {
        return request("POST", "/upload");
    }

    private static String http1(Http2Request request, boolean chunked, String clientIp, boolean https) {
        assertThat(request.problem()).isNull();
        ByteBuf out = Unpooled.buffer();
        try {
            request.writeHttp1(out, chunked, clientIp, https, "replica", 8080);
            return out.toString(StandardCharsets.ISO_8859_1);
        } finally {
            out.release();
        }
    }
}
