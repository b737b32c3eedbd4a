package io.canarybalancer.balancer.proxy.http1;

import io.canarybalancer.balancer.proxy.http1.RawHeads.Outcome;
import io.canarybalancer.balancer.proxy.http1.ReferenceReader.Field;
import io.canarybalancer.balancer.proxy.http1.ReferenceReader.Verdict;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static io.canarybalancer.balancer.proxy.http1.RawHeads.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random and mutated request heads, seeded and bounded, read by the scanner ({@link HeadBuffer} and
 * {@link RequestHead}, as the front-end handler drives them) and by {@link ReferenceReader}, a
 * strict reading written from the RFCs. The scanner must never throw, must refuse only with a status
 * of the contract, must accept nothing the reference refuses and read what it accepts as the
 * reference does, must read a head the same in pieces as in one, and must forward a head that the
 * reference accepts and that is the original with exactly the proxy's edits.
 */
class HeadFuzzTest {
    /** Fixed, so that every build reads the same heads; {@code -Dhttp1.fuzz.seed} and {@code -Dhttp1.fuzz.heads} explore further. */
    private static final long SEED = Long.getLong("http1.fuzz.seed", 0x14_5CA9L);
    private static final int HEADS = Integer.getInteger("http1.fuzz.heads", 20_000);
    private static final int START_LINE = 1024;
    private static final int FIELD_SECTION = 4096;
    private static final int FIELD_COUNT = 24;
    private static final Set<Integer> STATUSES = Set.of(400, 414, 431, 505);
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection", "te",
            "trailer", "transfer-encoding", "upgrade", "proxy-authenticate", "proxy-authorization");
    /** Fields the proxy answers itself or sets anew. */
    private static final Set<String> REPLACED = Set.of("expect", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host");

    private static final List<String> SEEDS = List.of(
            "GET /index.html?q=canary&lang=en HTTP/1.1\r\nHost: shop.example\r\n"
                    + "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
                    + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
                    + "Accept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate, br\r\nConnection: keep-alive\r\n"
                    + "Cookie: lb=k7; session=abc\r\nUpgrade-Insecure-Requests: 1\r\n\r\n",
            "POST /api/messages HTTP/1.1\r\nHost: lb:8080\r\nContent-Type: application/json\r\nContent-Length: 17\r\n"
                    + "Expect: 100-continue\r\n\r\n",
            "PUT /upload HTTP/1.1\r\nHost: [::1]:8080\r\nTransfer-Encoding: chunked\r\nTE: trailers\r\nTrailer: X-Sum\r\n\r\n",
            "GET / HTTP/1.0\r\n\r\n",
            "GET /a HTTP/1.0\r\nConnection: Keep-Alive\r\nX-Forwarded-For: 192.0.2.1\r\n\r\n",
            "GET http://shop.example:81/a/./b/../c?x=1 HTTP/1.1\r\nHost: other\r\n\r\n",
            "OPTIONS * HTTP/1.1\r\nHost: lb\r\n\r\n",
            "DELETE /items/%7Eold/%2F/x HTTP/1.1\r\nHost: 127.0.0.1:48151\r\nConnection: close, X-Drop\r\nX-Drop: 1\r\n"
                    + "X-Keep: 2\r\n\r\n",
            "\r\nGET /x HTTP/1.1\r\nhost: my_service.local\r\nx-forwarded-for: 198.51.100.7\r\nX-Forwarded-Proto: https\r\n"
                    + "X-Forwarded-Host: evil\r\n\r\n",
            "PATCH /p HTTP/1.1\r\nHost: lb\r\nContent-Length: 0\r\nProxy-Authorization: Basic eA==\r\nUpgrade: websocket\r\n"
                    + "Connection: upgrade\r\n\r\n",
            "CONNECT lb:443 HTTP/1.1\r\nHost: lb:443\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: lb\r\nCookie: " + "c".repeat(1200) + "\r\nX-After: 1\r\n\r\n",
            "POST /upload HTTP/1.1\r\nHost: lb\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n",
            "GET /version HTTP/1.1\r\nHost: lb\r\nX-A: a\r\n b\r\n\r\n",
            "GET /version HTTP/1.1\r\nHost: lb\r\nHost: other\r\n\r\n",
            "GET http://user:pw@lb/version HTTP/1.1\r\nHost: lb\r\n\r\n",
            "GET /version HTTP/1.2\r\nHost: lb\r\n\r\n");
    private static final List<String> FIELDS = List.of("Host: lb", "Host: [2001:db8::7]:443", "Host: a%41b:1",
            "Content-Length: 5", "Content-Length: 05", "Transfer-Encoding: chunked", "Transfer-Encoding: gzip",
            "Connection: close", "Connection: keep-alive", "Connection: X-Drop, host, content-length", "X-Drop: d",
            "Expect: 100-continue", "X-Forwarded-For: 203.0.113.4", "X-Forwarded-For:", "Keep-Alive: timeout=5",
            "Proxy-Connection: keep-alive", "Upgrade: h2c", "Upgrade: websocket", "Upgrade: WebSocket/13, websocket",
            "Upgrade: websocket, h2c", "Upgrade: ", "Connection: Upgrade", "Connection: keep-alive, upgrade", "TE: trailers", "X-Canary: yes", "Cookie: lb=k7",
            "X-Forwarded-Host: x", "Accept: */*", "Close: c");
    private static final List<String> METHODS = List.of("GET", "POST", "PUT", "OPTIONS", "HEAD", "PURGE", "M-SEARCH",
            "get", "G T", "GET\t", "CONNECT");
    private static final List<String> TARGETS = List.of("/", "/a/b", "/a/../b", "/%7e", "*", "http://lb/x",
            "HTTP://[::1]/", "http://lb:0/", "/a#b", "/a?b=%zz", "//x/./..", "/\u00e9", "lb:443", "http://lb",
            "http://lb?q", "/a/%2e%2E/b");
    private static final List<String> SEGMENTS = List.of("a", ".", "..", "%2e", "%2F", "x?y", "", "%41", "~");
    private static final List<String> VERSIONS = List.of("HTTP/1.1", "HTTP/1.0", "HTTP/1.2", "HTTP/2.0", "http/1.1",
            "HTTP/1.1 ", "HTTP/1.01");
    private static final byte[] SPECIAL = {'\r', '\n', ' ', '\t', 0, 0x7f, (byte) 0x80, (byte) 0x85, (byte) 0xe9,
            (byte) 0xff, ':', '%', ',', '/', '.', '#', '?', '@', '[', ']', '"', ';', '=', 0x0b, 0x0c, '*', '\\', '{', '|',
            '^', '`', '<', '>', '~', '0', 'f'};
    private static final String IPV6_CHARS = "0123456789abcdefABCDEF::::....";

    private final List<String> failures = new ArrayList<>();
    private int accepted;
    private int refused;

    @Test
    void theScannerAcceptsOnlyWhatTheReferenceAcceptsAndForwardsWhatTheReferenceAccepts() {
        Random random = new Random(SEED);
        HeadBuffer buffer = null;
        RequestHead head = null;
        for (int n = 0; n < HEADS && failures.size() < 20; n++) {
            byte[] raw = n % 4 == 0 ? generated(random) : mutated(random);
            if (buffer == null) {
                buffer = new HeadBuffer(START_LINE, FIELD_SECTION, 414);
                head = new RequestHead(FIELD_COUNT);
            }
            buffer.reset();
            Outcome outcome = check(raw, buffer, head, random);
            if (outcome == null || !outcome.accepted()) {
                buffer = null; // the proxy closes the connection after a refused head
            }
        }

        assertThat(failures).as("seed %d", SEED).isEmpty();
        assertThat(accepted).as("accepted heads").isGreaterThan(HEADS / 10);
        assertThat(refused).as("refused heads").isGreaterThan(HEADS / 10);
    }

    /** Reads one head both ways and records every disagreement; null when the scanner threw. */
    private Outcome check(byte[] raw, HeadBuffer buffer, RequestHead head, Random random) {
        Outcome outcome;
        Outcome split;
        try {
            outcome = RawHeads.request(buffer, head, raw);
            split = RawHeads.request(new HeadBuffer(START_LINE, FIELD_SECTION, 414), new RequestHead(FIELD_COUNT), raw,
                    cuts(random, raw.length));
        } catch (RuntimeException | Error e) {
            fail(raw, "the scanner threw " + e);
            return null;
        }
        if (!split.equals(outcome) && (split.accepted() || outcome.accepted() || split.status() == RawHeads.INCOMPLETE
                || outcome.status() == RawHeads.INCOMPLETE)) {
            // Two refusals may differ in status: the request line is judged as soon as it is complete,
            // so in pieces it can be refused before a later bad line is seen, in one piece after.
            fail(raw, "read in pieces: " + split + ", in one: " + outcome);
        }
        Verdict reference = ReferenceReader.read(raw, START_LINE, FIELD_SECTION, FIELD_COUNT);
        if (outcome.status() == RawHeads.INCOMPLETE) {
            if (reference.status() != ReferenceReader.INCOMPLETE) {
                fail(raw, "the scanner wants more, the reference: " + reference.status() + " " + reference.reason());
            }
        } else if (!outcome.accepted()) {
            refused++;
            if (!STATUSES.contains(outcome.status())) {
                fail(raw, "refused with " + outcome.status());
            }
            if (reference.accepted()) {
                fail(raw, "the scanner refuses (" + outcome + "), the reference accepts");
            }
        } else {
            accepted++;
            if (!reference.accepted()) {
                // The scanner leaves a CONNECT target unchecked, as the Netty-era validator did: the
                // proxy answers CONNECT 405 and never forwards it. The reference wants authority-form.
                if (!"CONNECT".equals(outcome.method())) {
                    fail(raw, "the scanner accepts, the reference refuses: " + reference.reason());
                }
                return outcome;
            }
            compare(raw, outcome, reference);
        }
        return outcome;
    }

    private void compare(byte[] raw, Outcome outcome, Verdict reference) {
        String read = outcome.method() + " " + outcome.target() + " " + outcome.http11() + " " + outcome.chunked() + " "
                + outcome.contentLength() + " " + outcome.keepAlive();
        String expected = reference.method() + " " + reference.target() + " " + reference.http11() + " "
                + reference.chunked() + " " + reference.contentLength() + " " + reference.keepAlive();
        if (!read.equals(expected)) {
            fail(raw, "the scanner reads " + read + ", the reference " + expected);
        }
        if (outcome.method().equals("CONNECT")) {
            return; // answered 405 by the proxy, never forwarded
        }
        String forwarded = outcome.forwarded();
        String model = forwarded(reference);
        if (!forwarded.equals(model)) {
            fail(raw, "forwarded " + escape(bytes(forwarded)) + " instead of " + escape(bytes(model)));
        }
        Verdict again = ReferenceReader.read(bytes(forwarded), START_LINE * 2, FIELD_SECTION * 2, FIELD_COUNT * 2);
        if (!again.accepted()) {
            fail(raw, "the reference refuses the forwarded head (" + again.reason() + "): " + escape(bytes(forwarded)));
        } else if (!again.method().equals(reference.method()) || !again.target().equals(reference.target())
                || !again.http11() || again.chunked() != reference.chunked()
                || again.contentLength() != reference.contentLength()) {
            fail(raw, "the forwarded head reads differently: " + escape(bytes(forwarded)));
        }
        if (forwarded.length() > outcome.forwardedSizeHint() + RawHeads.CLIENT_IP.length() + RawHeads.DEFAULT_HOST.length()) {
            fail(raw, "forwarded " + forwarded.length() + " bytes over the hint " + outcome.forwardedSizeHint());
        }
    }

    /**
     * The head the backend must get, from the reference's reading: the request line in origin form
     * and HTTP/1.1; the fields as sent but hop-by-hop ones, those a Connection token names (never
     * Content-Length or Host), Expect and X-Forwarded-*, and Host when the target carried the
     * authority; then the proxy's fields. A WebSocket upgrade (only that protocol offered, by one
     * Upgrade field, with Connection: upgrade, in an HTTP/1.1 request without a body) keeps its
     * Upgrade field and gets Connection: upgrade.
     */
    private static String forwarded(Verdict v) {
        StringBuilder out = new StringBuilder(v.method() + " " + v.target() + " HTTP/1.1\r\n");
        List<String> named = ReferenceReader.connectionTokens(v.fields());
        boolean upgrade = isWebSocketUpgrade(v, named);
        for (Field field : v.fields()) {
            String name = field.name();
            boolean dropped = HOP_BY_HOP.contains(name) || REPLACED.contains(name)
                    || named.contains(name) && !name.equals("content-length") && !name.equals("host")
                    || name.equals("host") && v.absolute();
            if (!dropped || upgrade && name.equals("upgrade")) {
                out.append(field.line()).append("\r\n");
            }
        }
        if (v.chunked()) {
            out.append("transfer-encoding: chunked\r\n");
        } else if (upgrade) {
            out.append("connection: upgrade\r\n");
        }
        String host = v.value("host");
        if (v.absolute()) {
            out.append("host: ").append(v.authority()).append("\r\n");
        } else if (host == null) {
            out.append("host: ").append(RawHeads.DEFAULT_HOST).append("\r\n");
        }
        List<String> chain = new ArrayList<>();
        for (Field field : ReferenceReader.named(v.fields(), "x-forwarded-for")) {
            if (!field.value().isEmpty()) {
                chain.add(field.value());
            }
        }
        chain.add(RawHeads.CLIENT_IP);
        out.append("x-forwarded-for: ").append(String.join(", ", chain)).append("\r\n");
        out.append("x-forwarded-proto: http\r\n");
        String forwardedHost = v.absolute() ? v.authority() : host;
        if (forwardedHost != null) {
            out.append("x-forwarded-host: ").append(forwardedHost).append("\r\n");
        }
        return out.append("\r\n").toString();
    }

    private static boolean isWebSocketUpgrade(Verdict v, List<String> connectionTokens) {
        List<Field> upgrades = ReferenceReader.named(v.fields(), "upgrade");
        if (!connectionTokens.contains("upgrade") || upgrades.size() != 1 || !v.http11() || v.chunked()
                || v.contentLength() != 0) {
            return false;
        }
        List<String> protocols = new ArrayList<>();
        for (String offered : upgrades.get(0).value().split(",")) {
            String name = offered.strip().split("/", 2)[0].strip();
            if (!name.isEmpty()) {
                protocols.add(name);
            }
        }
        return !protocols.isEmpty() && protocols.stream().allMatch(name -> name.equalsIgnoreCase("websocket"));
    }

    /** A head put together from pieces, valid and not, sometimes mutated further. */
    private static byte[] generated(Random random) {
        StringBuilder head = new StringBuilder();
        if (random.nextInt(8) == 0) {
            head.append("\r\n");
        }
        String target = random.nextBoolean() ? pick(random, TARGETS) : path(random);
        head.append(pick(random, METHODS)).append(' ').append(target).append(' ').append(pick(random, VERSIONS)).append("\r\n");
        int host = random.nextInt(6);
        if (host == 1) {
            head.append("Host: [").append(ipv6ish(random)).append("]\r\n");
        } else if (host > 1) {
            head.append("Host: lb\r\n");
        }
        for (int i = random.nextInt(7); i > 0; i--) {
            head.append(pick(random, FIELDS)).append("\r\n");
        }
        head.append("\r\n");
        byte[] raw = bytes(head.toString());
        return random.nextInt(3) == 0 ? mutate(random, raw) : raw;
    }

    /** Hex digits, colons and dots: mostly not an IPv6 address, now and then one of an unusual form. */
    private static String ipv6ish(Random random) {
        StringBuilder text = new StringBuilder();
        for (int i = 2 + random.nextInt(20); i > 0; i--) {
            text.append(IPV6_CHARS.charAt(random.nextInt(IPV6_CHARS.length())));
        }
        return text.toString();
    }

    private static String path(Random random) {
        StringBuilder path = new StringBuilder();
        for (int i = 1 + random.nextInt(5); i > 0; i--) {
            path.append('/').append(pick(random, SEGMENTS));
        }
        return path.toString();
    }

    /** A seed with one to three mutations. */
    private static byte[] mutated(Random random) {
        byte[] raw = bytes(pick(random, SEEDS));
        for (int i = 1 + random.nextInt(3); i > 0; i--) {
            raw = mutate(random, raw);
        }
        return raw;
    }

    private static byte[] mutate(Random random, byte[] raw) {
        int at = random.nextInt(raw.length + 1);
        switch (random.nextInt(10)) {
            case 0, 1 -> {
                return splice(raw, at, at, new byte[] {SPECIAL[random.nextInt(SPECIAL.length)]});
            }
            case 2 -> {
                return splice(raw, at, Math.min(raw.length, at + 1), new byte[] {SPECIAL[random.nextInt(SPECIAL.length)]});
            }
            case 3 -> {
                return splice(raw, at, Math.min(raw.length, at + 1 + random.nextInt(3)), new byte[0]);
            }
            case 4 -> {
                return splice(raw, at, at, bytes(random.nextBoolean() ? "\r\n" : random.nextBoolean() ? "\r\n " : "\n"));
            }
            case 5 -> {
                int[] line = line(random, raw);
                return line == null ? raw : splice(raw, line[1], line[1], Arrays.copyOfRange(raw, line[0], line[1]));
            }
            case 6 -> {
                int[] line = line(random, raw);
                return line == null ? raw : splice(raw, line[0], line[1], new byte[0]);
            }
            case 7 -> {
                int[] line = line(random, raw);
                return line == null ? raw : splice(raw, line[1], line[1], bytes(pick(random, FIELDS) + "\r\n"));
            }
            case 8 -> {
                byte[] copy = raw.clone();
                if (at < copy.length && Character.isLetter(copy[at])) {
                    copy[at] ^= 0x20;
                }
                return copy;
            }
            default -> {
                return splice(raw, at, at, new byte[] {(byte) random.nextInt(256)});
            }
        }
    }

    /** A random field line of the head, with its CRLF: {start, end}, or null when it has none. */
    private static int[] line(Random random, byte[] raw) {
        List<int[]> lines = new ArrayList<>();
        int lineStart = -1;
        for (int i = 1; i < raw.length; i++) {
            if (raw[i - 1] == '\r' && raw[i] == '\n') {
                if (lineStart >= 0 && i + 1 - lineStart > 2) {
                    lines.add(new int[] {lineStart, i + 1});
                }
                lineStart = i + 1;
            }
        }
        return lines.isEmpty() ? null : lines.get(random.nextInt(lines.size()));
    }

    private static byte[] splice(byte[] raw, int from, int to, byte[] insert) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length + insert.length);
        out.write(raw, 0, from);
        out.write(insert, 0, insert.length);
        out.write(raw, to, raw.length - to);
        return out.toByteArray();
    }

    private static int[] cuts(Random random, int length) {
        return length < 2 ? new int[0] : random.ints(random.nextInt(4), 1, length).sorted().distinct().toArray();
    }

    private static <T> T pick(Random random, List<T> list) {
        return list.get(random.nextInt(list.size()));
    }

    private void fail(byte[] raw, String problem) {
        failures.add(problem + "\n    on \"" + escape(raw) + "\"");
    }

    /** The bytes as a Java string literal's content. */
    static String escape(byte[] raw) {
        StringBuilder out = new StringBuilder();
        for (byte b : raw) {
            int c = b & 0xff;
            switch (c) {
                case '\r' -> out.append("\\r");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> out.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : String.format("\\u%04x", c));
            }
        }
        return out.toString();
    }
}
