package io.canarybalancer.balancer.proxy.http1;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import static io.canarybalancer.balancer.proxy.http1.RawHeads.bytes;
import static io.canarybalancer.balancer.proxy.http1.RawHeads.text;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A backend's response head read from raw bytes: the framing that is refused as ambiguous (the
 * cases of the former AmbiguousResponseTest and of the framing rule the request validator shared
 * with responses), the status line, and the head the client gets.
 */
class ResponseHeadTest {
    private static final String OK = "HTTP/1.1 200 OK\r\n";

    private final HeadBuffer buffer = new HeadBuffer(RawHeads.START_LINE, RawHeads.FIELD_SECTION, 502);
    private final ResponseHead head = new ResponseHead(256);

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "Transfer-Encoding | gzip",
            "Transfer-Encoding | gzip, chunked",
            "Content-Length    | 02",
    })
    void theFramingsNettysDecoderLetThroughAreAmbiguous(String name, String value) {
        assertThat(read(OK + name + ": " + value + "\r\n\r\n")).isFalse();
        assertThat(head.ambiguous()).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.canarybalancer.balancer.proxy.http1.RawHeads#ambiguousFraming")
    void refusesAmbiguousFraming(String header, String reason) {
        assertThat(read(OK + header + "\r\n\r\n")).isFalse();
        assertThat(head.ambiguous()).isTrue();
        assertThat(head.problem()).startsWith(reason);
    }

    @Test
    void framingNeedsOneDeclarationAtMost() {
        assertThat(read(OK + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n")).isFalse();
        assertThat(head.problem()).isEqualTo("both Content-Length and Transfer-Encoding");
        assertThat(read(OK + "Content-Length: 3\r\nContent-Length: 3\r\n\r\n")).isFalse();
        assertThat(head.problem()).startsWith("more than one Content-Length");
        assertThat(read(OK + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n")).isFalse();
        assertThat(head.ambiguous()).isTrue();

        assertThat(read(OK + "Transfer-Encoding: Chunked\r\n\r\n")).isTrue();
        assertThat(head.chunked()).isTrue();
        assertThat(read(OK + "Content-Length: 0\r\n\r\n")).isTrue();
        assertThat(head.contentLength()).isZero();
        assertThat(head.chunked()).isFalse();
        assertThat(read(OK + "\r\n")).isTrue();
        assertThat(head.contentLength()).as("close-delimited").isEqualTo(-1);
    }

    @Test
    void interimNoContentAndNotModifiedAnswersHaveNoBody() {
        assertThat(read("HTTP/1.1 100 Continue\r\n\r\n")).isTrue();
        assertThat(head.informational()).isTrue();
        assertThat(head.bodylessStatus()).isTrue();
        assertThat(read("HTTP/1.1 204 No Content\r\n\r\n")).isTrue();
        assertThat(head.informational()).isFalse();
        assertThat(head.bodylessStatus()).isTrue();
        assertThat(read("HTTP/1.1 304 Not Modified\r\nContent-Length: 12\r\n\r\n")).isTrue();
        assertThat(head.bodylessStatus()).isTrue();
        assertThat(read("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n")).isTrue();
        assertThat(head.bodylessStatus()).isFalse();
        assertThat(head.contentLength()).isEqualTo(12);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "HTTP/1.1 200 OK        | 200",
            "HTTP/1.1 200           | 200",
            "\"HTTP/1.1 200 \"      | 200",
            "HTTP/1.0 404 Not Found | 404",
            "HTTP/1.1 599 Odd\tbut caf\u00e9 | 599",
    })
    void readsTheStatusCode(String line, int code) {
        assertThat(read(line + "\r\n\r\n")).as(head.problem()).isTrue();
        assertThat(head.code()).isEqualTo(code);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"HTTP/1.1 20 OK", "HTTP/1.1 200OK", "HTTP/2 200 OK", "HTTP/1.2 200 OK", "http/1.1 200 OK",
            "HTTP/1.1 099 Early", "HTTP/1.1 2x0 OK", "HTTP/1.1  200 OK", "HTTP/1.1 200 O\u0000K", "HTTP/1.1 200 O\u007fK",
            " HTTP/1.1 200 OK", "HTTP/1.1"})
    void refusesOtherStatusLines(String line) {
        assertThat(read(line + "\r\n\r\n")).isFalse();
        assertThat(head.ambiguous()).isFalse();
    }

    @Test
    void refusesHeaderSyntaxErrorsAsMalformedNotAmbiguous() {
        assertThat(read(OK + "X-A: a\r\n b\r\n\r\n")).isFalse();
        assertThat(head.problem()).contains("obs-fold");
        assertThat(head.ambiguous()).isFalse();
        assertThat(read(OK + "X A: a\r\n\r\n")).isFalse();
        assertThat(read(OK + "X-A: a\u0001\r\n\r\n")).isFalse();
    }

    @Test
    void keepAliveFollowsTheVersionAndTheConnectionTokens() {
        assertThat(read(OK + "\r\n") && head.keepAlive()).isTrue();
        assertThat(read(OK + "Connection: Close\r\n\r\n") && !head.keepAlive()).isTrue();
        assertThat(read("HTTP/1.0 200 OK\r\n\r\n") && !head.keepAlive()).isTrue();
        assertThat(read("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n") && head.keepAlive()).isTrue();
        assertThat(head.http11()).isFalse();
    }

    @Test
    void theClientGetsTheFieldsAsSentWithoutHopByHopOnesAndThePoolOfTheProxy() {
        read("HTTP/1.1 200 OK\r\n"
                + "Content-Type: text/plain\r\n"
                + "Connection: keep-alive, X-Internal, Content-Length\r\n"
                + "Keep-Alive: timeout=5\r\n"
                + "Transfer-Encoding: chunked\r\n"
                + "Trailer: X-Sum\r\n"
                + "Upgrade: h2c\r\n"
                + "Proxy-Authenticate: Basic\r\n"
                + "X-Internal: secret\r\n"
                + "X-Canary-Pool: canary\r\n"
                + "x-CANARY-pool: canary\r\n"
                + "Set-Cookie: app=1\r\n"
                + "\r\n");

        assertThat(forClient(true, "stable", null, false, false)).isEqualTo("HTTP/1.1 200 OK\r\n"
                + "Content-Type: text/plain\r\nSet-Cookie: app=1\r\n"
                + "transfer-encoding: chunked\r\nx-canary-pool: stable\r\n\r\n");
    }

    @Test
    void contentLengthIsKeptEvenWhenConnectionNamesIt() {
        read(OK + "Connection: content-length\r\nContent-Length: 2\r\n\r\n");

        assertThat(forClient(false, "canary", null, false, false))
                .isEqualTo(OK + "Content-Length: 2\r\nx-canary-pool: canary\r\n\r\n");
    }

    @Test
    void theProxysOwnFieldsFollowTheBackends() {
        read("HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n");

        assertThat(forClient(false, "stable", "lb=k7; Path=/", true, false)).isEqualTo("HTTP/1.1 404 Not Found\r\n"
                + "Content-Length: 0\r\nx-canary-pool: stable\r\nset-cookie: lb=k7; Path=/\r\nconnection: close\r\n\r\n");
        assertThat(forClient(false, "stable", null, false, true)).isEqualTo("HTTP/1.1 404 Not Found\r\n"
                + "Content-Length: 0\r\nx-canary-pool: stable\r\nconnection: keep-alive\r\n\r\n");
    }

    @Test
    void emptyLinesBeforeTheStatusLineAreSkipped() {
        assertThat(read("\r\n" + OK + "Content-Length: 0\r\n\r\n")).isTrue();

        assertThat(forClient(false, "stable", null, false, false))
                .isEqualTo(OK + "Content-Length: 0\r\nx-canary-pool: stable\r\n\r\n");
    }

    @Test
    void headsSplitAtEveryByteBoundaryReadTheSame() {
        String raw = "HTTP/1.1 200 OK\r\nConnection: x-a\r\nX-A: 1\r\nContent-Length: 5\r\nX-B: 2\r\n\r\nhello";
        assertThat(read(raw)).isTrue();
        String whole = forClient(false, "stable", null, false, false);

        for (int cut = 1; cut < raw.length(); cut++) {
            buffer.reset();
            ByteBuf in = Unpooled.wrappedBuffer(bytes(raw));
            int end = buffer.append(in, 0, cut);
            if (end == HeadBuffer.MORE) {
                end = buffer.append(in, cut, raw.length());
            }

            assertThat(end).as("cut at %d", cut).isEqualTo(raw.length() - "hello".length());
            assertThat(head.read(buffer)).isTrue();
            assertThat(forClient(false, "stable", null, false, false)).as("cut at %d", cut).isEqualTo(whole);
        }
    }

    @Test
    void theClientsHeadFitsItsSizeHint() {
        read("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");

        assertThat(forClient(true, "canary", null, false, true).length()).isLessThanOrEqualTo(head.sizeHint());
    }

    private boolean read(String raw) {
        buffer.reset();
        ByteBuf in = Unpooled.wrappedBuffer(bytes(raw));
        int end = buffer.append(in, 0, in.writerIndex());
        assertThat(end).as("a complete head: %s", buffer.problem()).isPositive();
        return head.read(buffer);
    }

    @Test
    void aSwitchKeepsItsUpgradeAndSaysConnectionUpgradeToTheClient() {
        assertThat(read("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Keep-Alive: timeout=5\r\nSec-WebSocket-Accept: abc=\r\n\r\n")).isTrue();
        assertThat(head.switchingProtocols()).isTrue();

        assertThat(forClient(false, "canary", null, false, false)).isEqualTo("HTTP/1.1 101 Switching Protocols\r\n"
                + "Upgrade: websocket\r\nSec-WebSocket-Accept: abc=\r\nx-canary-pool: canary\r\n"
                + "connection: upgrade\r\n\r\n");
    }

    @Test
    void anUpgradeFieldOfAnyOtherAnswerIsHopByHop() {
        assertThat(read(OK + "Upgrade: websocket\r\nContent-Length: 0\r\n\r\n")).isTrue();
        assertThat(head.switchingProtocols()).isFalse();

        assertThat(forClient(false, "stable", null, false, false))
                .isEqualTo(OK + "Content-Length: 0\r\nx-canary-pool: stable\r\n\r\n");
    }

    private String forClient(boolean chunked, String pool, String setCookie, boolean close, boolean http10KeepAlive) {
        ByteBuf out = Unpooled.buffer();
        head.writeForClient(out, chunked, pool, setCookie, close, http10KeepAlive);
        return text(out);
    }
}
