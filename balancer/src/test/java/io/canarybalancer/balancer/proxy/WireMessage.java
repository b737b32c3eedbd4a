package io.canarybalancer.balancer.proxy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One HTTP/1.1 message read back from the bytes a handler wrote (as ISO-8859-1 text), for
 * assertions: the start line, the header fields in order and as sent, and the body as its framing
 * delimits it. It is strict where a lax reading could let a test pass by accident: every line ends
 * in CRLF, a field line is a name, a colon and a value, a chunked body is framed exactly, and a
 * message must be complete. Anything else fails the test with the bytes in the message.
 */
final class WireMessage {
    private final String startLine;
    private final List<String[]> fields;
    private final String body;
    private final String wireBody;
    private final String trailers;
    private final boolean chunked;
    private final int end;

    private WireMessage(String startLine, List<String[]> fields, String body, String wireBody, String trailers,
                        boolean chunked, int end) {
        this.startLine = startLine;
        this.fields = fields;
        this.body = body;
        this.wireBody = wireBody;
        this.trailers = trailers;
        this.chunked = chunked;
        this.end = end;
    }

    /** The only request in {@code bytes}: nothing may follow it. */
    static WireMessage onlyRequest(String bytes) {
        return only(request(bytes, 0), bytes);
    }

    /** The only response in {@code bytes} (to a request other than {@code HEAD}): nothing may follow it. */
    static WireMessage onlyResponse(String bytes) {
        return only(response(bytes, 0, false), bytes);
    }

    /** The request starting at {@code from}: its body is framed by Content-Length or chunked, else it has none. */
    static WireMessage request(String bytes, int from) {
        return read(bytes, from, false, true);
    }

    /**
     * The response starting at {@code from}. One to a {@code HEAD} request ({@code headRequest}), and
     * one with status 1xx, 204 or 304, has no body whatever it declares; one with neither
     * Content-Length nor chunked framing runs to the end of {@code bytes} (delimited by the close).
     */
    static WireMessage response(String bytes, int from, boolean headRequest) {
        return read(bytes, from, headRequest, false);
    }

    /** Every response in {@code bytes}, one after the other, none to a {@code HEAD} request. */
    static List<WireMessage> responses(String bytes) {
        List<WireMessage> all = new ArrayList<>();
        for (int at = 0; at < bytes.length(); ) {
            WireMessage next = response(bytes, at, false);
            all.add(next);
            at = next.end;
        }
        return all;
    }

    private static WireMessage only(WireMessage message, String bytes) {
        if (message.end != bytes.length()) {
            throw new AssertionError("bytes after the message: <" + bytes.substring(message.end) + "> in <" + bytes + ">");
        }
        return message;
    }

    private static WireMessage read(String bytes, int from, boolean headRequest, boolean isRequest) {
        int headEnd = bytes.indexOf("\r\n\r\n", from);
        if (headEnd < 0) {
            throw new AssertionError("incomplete head: <" + bytes.substring(from) + ">");
        }
        String[] lines = bytes.substring(from, headEnd).split("\r\n", -1);
        for (String line : lines) {
            if (line.indexOf('\r') >= 0 || line.indexOf('\n') >= 0) {
                throw new AssertionError("a bare CR or LF in the head: <" + bytes.substring(from, headEnd + 4) + ">");
            }
        }
        List<String[]> fields = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            String name = colon < 0 ? "" : lines[i].substring(0, colon);
            if (name.isEmpty() || !name.chars().allMatch(WireMessage::isTokenChar)) {
                throw new AssertionError("not a field line: <" + lines[i] + ">");
            }
            fields.add(new String[] {name, lines[i].substring(colon + 1).strip()});
        }
        WireMessage head = new WireMessage(lines[0], fields, "", "", "", false, headEnd + 4);
        int bodyStart = headEnd + 4;
        int status = isRequest ? 0 : head.status();
        boolean bodyless = headRequest || status < 200 && !isRequest || status == 204 || status == 304;
        List<String> codings = head.headers("Transfer-Encoding");
        List<String> lengths = head.headers("Content-Length");
        if (bodyless) {
            return head;
        }
        if (!codings.isEmpty()) {
            if (!codings.equals(List.of("chunked")) || !lengths.isEmpty()) {
                throw new AssertionError("ambiguous framing: " + codings + ", " + lengths);
            }
            return chunked(bytes, head, bodyStart);
        }
        if (lengths.size() > 1) {
            throw new AssertionError("more than one Content-Length: " + lengths);
        }
        int bodyEnd = lengths.isEmpty() ? isRequest ? bodyStart : bytes.length()
                : bodyStart + Integer.parseInt(lengths.get(0));
        if (bodyEnd > bytes.length()) {
            throw new AssertionError("incomplete body: " + (bytes.length() - bodyStart) + " of "
                    + (bodyEnd - bodyStart) + " bytes in <" + bytes.substring(from) + ">");
        }
        String body = bytes.substring(bodyStart, bodyEnd);
        return new WireMessage(head.startLine, fields, body, body, "", false, bodyEnd);
    }

    private static WireMessage chunked(String bytes, WireMessage head, int bodyStart) {
        StringBuilder body = new StringBuilder();
        int at = bodyStart;
        while (true) {
            int lineEnd = lineEnd(bytes, at);
            String line = bytes.substring(at, lineEnd);
            int semicolon = line.indexOf(';');
            String digits = semicolon < 0 ? line : line.substring(0, semicolon);
            if (digits.isEmpty() || !digits.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                throw new AssertionError("not a chunk-size line: <" + line + ">");
            }
            int size = Integer.parseInt(digits, 16);
            at = lineEnd + 2;
            if (size == 0) {
                break;
            }
            if (at + size + 2 > bytes.length()) {
                throw new AssertionError("incomplete chunk in <" + bytes.substring(bodyStart) + ">");
            }
            body.append(bytes, at, at + size);
            if (!bytes.startsWith("\r\n", at + size)) {
                throw new AssertionError("chunk data not followed by CRLF in <" + bytes.substring(bodyStart) + ">");
            }
            at += size + 2;
        }
        int trailersStart = at;
        while (true) {
            int lineEnd = lineEnd(bytes, at);
            boolean empty = lineEnd == at;
            at = lineEnd + 2;
            if (empty) {
                break;
            }
        }
        return new WireMessage(head.startLine, head.fields, body.toString(), bytes.substring(bodyStart, at),
                bytes.substring(trailersStart, at - 2), true, at);
    }

    private static int lineEnd(String bytes, int from) {
        int end = bytes.indexOf("\r\n", from);
        if (end < 0) {
            throw new AssertionError("incomplete chunked body: <" + bytes.substring(from) + ">");
        }
        return end;
    }

    private static boolean isTokenChar(int c) {
        return c > 0x20 && c < 0x7f && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
    }

    /** The request or status line, without its CRLF. */
    String startLine() {
        return startLine;
    }

    /** A response's status code. */
    int status() {
        String[] parts = startLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new AssertionError("not a status line: <" + startLine + ">");
        }
        return Integer.parseInt(parts[1]);
    }

    /** The value of the only field of this name (any case), or {@code null}; more than one fails. */
    String header(String name) {
        List<String> values = headers(name);
        if (values.size() > 1) {
            throw new AssertionError("more than one " + name + ": " + values);
        }
        return values.isEmpty() ? null : values.get(0);
    }

    /** The values of every field of this name (any case), in order. */
    List<String> headers(String name) {
        List<String> values = new ArrayList<>();
        for (String[] field : fields) {
            if (field[0].equalsIgnoreCase(name)) {
                values.add(field[1]);
            }
        }
        return values;
    }

    /** The field names in lower case, in order. */
    List<String> names() {
        return fields.stream().map(field -> field[0].toLowerCase(Locale.ROOT)).toList();
    }

    /** The body's content: de-chunked when it was chunked. */
    String body() {
        return body;
    }

    /** The body's bytes as they were sent, framing included. */
    String wireBody() {
        return wireBody;
    }

    /** A chunked body's trailer field lines, each with its CRLF; empty otherwise. */
    String trailers() {
        return trailers;
    }

    /** Whether the body was sent chunked. */
    boolean chunked() {
        return chunked;
    }

    /** The index just past this message in the bytes it was read from. */
    int end() {
        return end;
    }
}
