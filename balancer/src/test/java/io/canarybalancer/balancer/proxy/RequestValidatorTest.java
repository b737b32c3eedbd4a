package io.canarybalancer.balancer.proxy;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** The checks on a decoded request head, and the framing rule shared with responses. */
class RequestValidatorTest {

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
        assertThat(RequestValidator.check(request(method, target), 100)).isNull();
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
        assertThat(RequestValidator.check(request(method, target), 100)).isNotNull()
                .extracting(InvalidRequestException::status).extracting(status -> status.code()).isEqualTo(400);
    }

    @Test
    void refusesUnknownVersionsWith505AndTooManyHeadersWith431() {
        HttpRequest future = new DefaultHttpRequest(HttpVersion.valueOf("HTTP/1.2"), HttpMethod.GET, "/");
        HttpRequest crowded = request("GET", "/");
        for (int i = 0; i < 5; i++) {
            crowded.headers().add("X-N", i);
        }

        assertThat(RequestValidator.check(future, 100).status().code()).isEqualTo(505);
        assertThat(RequestValidator.check(crowded, 5).status().code()).isEqualTo(431);
        assertThat(RequestValidator.check(crowded, 6)).isNull(); // Host + 5
    }

    @Test
    void refusesTwoHostHeaders() {
        HttpRequest request = request("GET", "/");
        request.headers().add("Host", "other");

        assertThat(RequestValidator.check(request, 100)).hasMessage("more than one Host header");
    }

    @ParameterizedTest(name = "Host: {0}")
    @ValueSource(strings = {"lb", "lb:8080", "127.0.0.1:48151", "[::1]", "[2001:db8::7]:443", "my_service.local",
            "xn--bcher-kva.example", "a%41b", "sub!$&'()*+,;=delims", "LB.EXAMPLE:1", "lb:65535"})
    void acceptsHostsOfTheUriSyntax(String host) {
        HttpRequest request = request("GET", "/");
        request.headers().set("Host", host);

        assertThat(RequestValidator.check(request, 100)).isNull();
    }

    @ParameterizedTest(name = "Host: {0}")
    @ValueSource(strings = {"bad host", "lb\t", "caf\u00e9", "user@lb", "user:pw@lb:80", "lb:99999",
            "lb:0", "lb:http", "lb:", "lb:80:80", ":80", "", "[::1", "[::1]x", "[zz::1]", "[v1.x]", "lb/x", "lb?x",
            "lb#x", "a%4", "a%zz", "\"lb\""})
    void refusesOtherHostsWith400(String host) {
        HttpRequest request = request("GET", "/");
        request.headers().set("Host", host);

        assertThat(RequestValidator.check(request, 100)).isNotNull()
                .extracting(InvalidRequestException::status).extracting(status -> status.code()).isEqualTo(400);
    }

    @Test
    void checksTheAuthorityOfAnAbsoluteTargetLikeAHost() {
        assertThat(RequestValidator.check(request("GET", "http://my_service:8080/x"), 100)).isNull();
        assertThat(RequestValidator.check(request("GET", "http://lb:99999/x"), 100)).isNotNull();
        assertThat(RequestValidator.check(request("GET", "http://lb:/x"), 100)).isNotNull();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "Transfer-Encoding: gzip, chunked      | Transfer-Encoding must be exactly 'chunked'",
            "Transfer-Encoding: gzip               | Transfer-Encoding must be exactly 'chunked'",
            "Transfer-Encoding: chunked;q=1        | Transfer-Encoding must be exactly 'chunked'",
            "Content-Length: 007                   | Content-Length must be digits without leading zeros",
            "Content-Length: +7                    | Content-Length must be digits without leading zeros",
            "Content-Length: 1234567890123456789   | Content-Length must be digits without leading zeros",
            "Content-Length: 3, 3                  | Content-Length must be digits without leading zeros",
    })
    void refusesAmbiguousFraming(String header, String reason) {
        HttpHeaders headers = new DefaultHttpHeaders();
        int colon = header.indexOf(':');
        headers.add(header.substring(0, colon), header.substring(colon + 1).trim());

        assertThat(HttpFraming.problem(headers)).startsWith(reason);
    }

    @Test
    void framingNeedsOneDeclarationAtMost() {
        HttpHeaders both = new DefaultHttpHeaders().add("Content-Length", "3").add("Transfer-Encoding", "chunked");
        HttpHeaders twice = new DefaultHttpHeaders().add("Content-Length", "3").add("Content-Length", "3");
        HttpHeaders chunked = new DefaultHttpHeaders().add("Transfer-Encoding", "Chunked");
        HttpHeaders zero = new DefaultHttpHeaders().add("Content-Length", "0");

        assertThat(HttpFraming.problem(both)).isEqualTo("both Content-Length and Transfer-Encoding");
        assertThat(HttpFraming.problem(twice)).startsWith("more than one Content-Length");
        assertThat(HttpFraming.problem(chunked)).isNull();
        assertThat(HttpFraming.problem(zero)).isNull();
        assertThat(HttpFraming.problem(new DefaultHttpHeaders())).isNull();
    }

    private static HttpRequest request(String method, String target) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(method), target);
        request.headers().set("Host", "lb");
        return request;
    }
}
