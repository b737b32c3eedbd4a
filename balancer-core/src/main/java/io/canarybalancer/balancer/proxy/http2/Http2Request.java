package io.canarybalancer.balancer.proxy.http2;

import io.canarybalancer.balancer.proxy.http1.Authority;
import io.canarybalancer.balancer.proxy.http1.Methods;
import io.canarybalancer.balancer.route.Cookies;
import io.canarybalancer.balancer.route.PathNormaliser;
import io.canarybalancer.balancer.route.StickyRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The head of one HTTP/2 request stream: its header fields as routing sees them (the
 * {@code :path}, normalised as for HTTP/1.1, is the target; {@code :authority} plays {@code Host}),
 * checked once, and written for the backend either as an HTTP/1.1 head or as HTTP/2 fields.
 *
 * <p>Netty's HPACK decoder has checked the names already (lower case, no connection-specific
 * field, pseudo-fields first and known); {@link #read} checks what it leaves: the pseudo-fields a
 * request needs, and values as RFC 9113 section 8.2.1 wants them: free of NUL, CR and LF, which
 * an HTTP/1.1 backend would otherwise read as the end of a line (request smuggling), and of
 * whitespace at either end, which HTTP/1.1 would trim and HTTP/2 keeps.
 */
public final class Http2Request implements StickyRequest {
    private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    private static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    private static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    private static final AsciiString COOKIE = AsciiString.cached("cookie");
    private static final AsciiString HOST = AsciiString.cached("host");
    private static final AsciiString TE = AsciiString.cached("te");
    private static final AsciiString EXPECT = AsciiString.cached("expect");
    private static final AsciiString CONTENT_LENGTH = AsciiString.cached("content-length");
    /** Set by the balancer alone, on the backend's side: whatever a client sends is dropped. */
    private static final Set<AsciiString> SET_ANEW = Set.of(X_FORWARDED_FOR, X_FORWARDED_PROTO, X_FORWARDED_HOST);
    /** {@code 0} or digits without a leading zero, few enough for a long: as HTTP/1.1's Content-Length. */
    private static final Pattern PLAIN_LENGTH = Pattern.compile("0|[1-9][0-9]{0,17}");

    private final Http2Headers headers;
    private final boolean endStream;
    private String method;
    private String path;
    private CharSequence authority;
    private long contentLength = -1;
    private String problem;
    private String assignedCookie;
    private CharSequence assignedValue;

    private Http2Request(Http2Headers headers, boolean endStream) {
        this.headers = headers;
        this.endStream = endStream;
    }

    /**
     * The request of a stream that opened with {@code headers}; {@code endStream} when they were its
     * only frame (no body). Check {@link #problem()} before using it.
     */
    public static Http2Request read(Http2Headers headers, boolean endStream) {
        Http2Request request = new Http2Request(headers, endStream);
        request.problem = request.check();
        return request;
    }

    private String check() {
        CharSequence methodField = headers.method();
        if (methodField == null || methodField.length() == 0) {
            return "no :method";
        }
        method = methodField.toString();
        if (method.equals("CONNECT")) {
            return null; // refused by the proxy with its own answer; it has no :path
        }
        CharSequence pathField = headers.path();
        if (pathField == null || pathField.length() == 0 || headers.scheme() == null) {
            return "a request needs :method, :scheme and :path";
        }
        String target = pathField.toString();
        if (target.equals("*")) {
            if (!method.equals("OPTIONS")) {
                return ":path '*' is only for OPTIONS";
            }
            path = target;
        } else if (target.charAt(0) != '/') {
            return ":path must start with '/'";
        } else {
            path = PathNormaliser.normalise(target);
            if (path == null) {
                return "the path climbs above the root";
            }
        }
        authority = headers.authority();
        if (authority == null) {
            authority = headers.get(HOST);
        }
        for (Map.Entry<CharSequence, CharSequence> field : headers) {
            CharSequence value = field.getValue();
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c == '\r' || c == '\n' || c == 0) {
                    return "a NUL, CR or LF in the value of " + field.getKey();
                }
            }
            if (!value.isEmpty() && (whitespace(value.charAt(0)) || whitespace(value.charAt(value.length() - 1)))) {
                return "the value of " + field.getKey() + " starts or ends with whitespace";
            }
        }
        if (authority != null && !Authority.isValid(authority)) {
            return "the authority must be host[:port], got '" + authority + "'";
        }
        List<CharSequence> lengths = headers.getAll(CONTENT_LENGTH);
        if (lengths.size() > 1) {
            return "more than one content-length";
        }
        if (lengths.size() == 1) {
            String text = lengths.get(0).toString();
            if (!PLAIN_LENGTH.matcher(text).matches()) {
                return "content-length must be digits without leading zeros, got '" + text + "'";
            }
            contentLength = Long.parseLong(text);
            if (endStream && contentLength != 0) {
                return "content-length " + contentLength + " on a request without a body";
            }
        }
        return null;
    }

    private static boolean whitespace(char c) {
        return c == ' ' || c == '\t';
    }

    /** Why the request is malformed (answered 400), or {@code null}. */
    public String problem() {
        return problem;
    }

    public String method() {
        return method;
    }

    public boolean isHead() {
        return "HEAD".equals(method);
    }

    public boolean isConnect() {
        return "CONNECT".equals(method);
    }

    /** Whether the stream ended with its headers: nothing follows them. */
    public boolean bodyless() {
        return endStream;
    }

    /** Bodiless and idempotent: safe to send again, to the same replica or another, after a failure. */
    public boolean replayable() {
        return endStream && Methods.idempotent(method);
    }

    /** The declared body length, or -1 when the request did not declare one. */
    public long contentLength() {
        return contentLength;
    }

    @Override
    public CharSequence target() {
        return path;
    }

    @Override
    public boolean hasHeader(CharSequence name) {
        return headers.contains(lower(name));
    }

    @Override
    public boolean hasHeader(CharSequence name, CharSequence value) {
        for (CharSequence each : headers.getAll(lower(name))) {
            if (AsciiString.contentEqualsIgnoreCase(each, value)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public CharSequence header(CharSequence name) {
        return headers.get(lower(name));
    }

    /** HTTP/2 may split {@code Cookie} into one field per cookie (RFC 9113 section 8.2.3): all are read. */
    @Override
    public CharSequence cookie(CharSequence name) {
        if (assignedCookie != null && assignedCookie.contentEquals(name)) {
            return assignedValue;
        }
        return Cookies.value(cookieLine(), name);
    }

    @Override
    public CharSequence readCookie(String name) {
        CharSequence value = Cookies.value(cookieLine(), name);
        if (value == null || value.length() == 0) {
            return null;
        }
        assignCookie(name, value);
        return value;
    }

    @Override
    public void assignCookie(String name, CharSequence value) {
        this.assignedCookie = name;
        this.assignedValue = value;
    }

    /** The cookie fields joined with {@code "; "}, as one HTTP/1.1 {@code Cookie} line; {@code null} without any. */
    private CharSequence cookieLine() {
        List<CharSequence> cookies = headers.getAll(COOKIE);
        return switch (cookies.size()) {
            case 0 -> null;
            case 1 -> cookies.get(0);
            default -> String.join("; ", cookies);
        };
    }

    private static AsciiString lower(CharSequence name) {
        return AsciiString.of(name).toLowerCase();
    }

    /**
     * Writes the HTTP/1.1 head an HTTP/1.1 backend gets: the request line with the normalised path,
     * {@code Host} from {@code :authority} (else {@code defaultHost:defaultPort}), the fields except
     * {@code te}, {@code expect} (the body is sent as it comes) and the client's {@code X-Forwarded-*},
     * the cookies on one line, the forwarding fields set anew, and {@code Transfer-Encoding: chunked}
     * when {@code chunked} (a body of unknown length).
     */
    public void writeHttp1(ByteBuf out, boolean chunked, String clientIp, boolean https, String defaultHost,
                           int defaultPort) {
        ByteBufUtil.writeAscii(out, method);
        out.writeByte(' ');
        ByteBufUtil.writeAscii(out, path);
        ByteBufUtil.writeAscii(out, " HTTP/1.1\r\nhost: ");
        if (authority != null) {
            ByteBufUtil.writeAscii(out, authority);
        } else {
            ByteBufUtil.writeAscii(out, defaultHost + ":" + defaultPort);
        }
        out.writeByte('\r').writeByte('\n');
        for (Map.Entry<CharSequence, CharSequence> field : headers) {
            CharSequence name = field.getKey();
            if (name.length() == 0 || name.charAt(0) == ':' || HOST.contentEquals(name) || TE.contentEquals(name)
                    || EXPECT.contentEquals(name) || COOKIE.contentEquals(name) || setAnew(name)) {
                continue;
            }
            writeLine(out, name, field.getValue());
        }
        CharSequence cookies = cookieLine();
        if (cookies != null) {
            writeLine(out, COOKIE, cookies);
        }
        if (chunked) {
            ByteBufUtil.writeAscii(out, "transfer-encoding: chunked\r\n");
        }
        CharSequence forwardedFor = forwardedFor(clientIp);
        if (forwardedFor != null) {
            writeLine(out, X_FORWARDED_FOR, forwardedFor);
        }
        writeLine(out, X_FORWARDED_PROTO, https ? "https" : "http");
        if (authority != null) {
            writeLine(out, X_FORWARDED_HOST, authority);
        }
        out.writeByte('\r').writeByte('\n');
    }

    private static void writeLine(ByteBuf out, CharSequence name, CharSequence value) {
        ByteBufUtil.writeAscii(out, name);
        out.writeByte(':').writeByte(' ');
        ByteBufUtil.writeAscii(out, value);
        out.writeByte('\r').writeByte('\n');
    }

    /**
     * The fields an HTTP/2 backend gets: the client's, with the normalised {@code :path} and the
     * forwarding fields set anew. {@code te: trailers} stays: gRPC servers require it.
     */
    public Http2Headers forHttp2Backend(String clientIp, boolean https) {
        Http2Headers out = new DefaultHttp2Headers(false, headers.size() + 3);
        for (Map.Entry<CharSequence, CharSequence> field : headers) {
            if (!setAnew(field.getKey())) {
                out.add(field.getKey(), field.getValue());
            }
        }
        if (path != null) {
            out.path(path);
        }
        CharSequence forwardedFor = forwardedFor(clientIp);
        if (forwardedFor != null) {
            out.set(X_FORWARDED_FOR, forwardedFor);
        }
        out.set(X_FORWARDED_PROTO, https ? "https" : "http");
        if (authority != null) {
            out.set(X_FORWARDED_HOST, authority);
        }
        return out;
    }

    /**
     * The client's {@code X-Forwarded-For} chain with {@code clientIp} appended; without a client
     * IP (not an IP socket) the chain is dropped, as for HTTP/1.1, and so is the field.
     */
    private CharSequence forwardedFor(String clientIp) {
        if (clientIp == null) {
            return null;
        }
        StringBuilder chain = new StringBuilder();
        for (CharSequence hop : headers.getAll(X_FORWARDED_FOR)) {
            if (hop.length() > 0) {
                chain.append(hop).append(", ");
            }
        }
        return chain.isEmpty() ? clientIp : chain.append(clientIp);
    }

    private static boolean setAnew(CharSequence name) {
        for (AsciiString field : SET_ANEW) {
            if (field.contentEquals(name)) {
                return true;
            }
        }
        return false;
    }
}
