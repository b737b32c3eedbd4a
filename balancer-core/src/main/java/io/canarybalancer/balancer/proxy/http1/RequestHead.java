package io.canarybalancer.balancer.proxy.http1;

import io.canarybalancer.balancer.route.PathNormaliser;
import io.canarybalancer.balancer.route.RouteRequest;
import io.canarybalancer.balancer.route.StickyRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

/**
 * A request head read in place from a {@link HeadBuffer}: the request line and the fields the proxy
 * needs, checked as strictly as the balancer's contract says, and shown to routing as a
 * {@link RouteRequest} without copying. {@link #writeForBackend} writes the head the backend gets:
 * the original bytes, with only the proxy's edits.
 *
 * <p>What is refused (the status says how, the problem why, for the client's error body):
 * <ul>
 *   <li>a request line that is not {@code method SP target SP version}, a method that is not a
 *       token, a version other than HTTP/1.0 and HTTP/1.1 (505 for any other {@code HTTP/x.y});</li>
 *   <li>a target that is not origin-form ({@code /path?query}), absolute-form with the {@code http}
 *       scheme and no user info, or {@code *} for {@code OPTIONS}; a fragment, whitespace, control or
 *       non-ASCII character, or a {@code %} not followed by two hex digits; a path whose {@code ..}
 *       climbs above the root. Other printable characters RFC 3986 wants escaped ({@code {}|^`}) are
 *       let through: browsers send some of them raw in queries, and they cannot change how the line
 *       is split;</li>
 *   <li>header syntax (see {@link HeaderFields}) and count (431);</li>
 *   <li>no {@code Host} in an HTTP/1.1 request, more than one, or one that is not an RFC 3986
 *       {@code host [":" port]};</li>
 *   <li>any body framing but none, one plain {@code Content-Length}, or {@code Transfer-Encoding:
 *       chunked} alone in HTTP/1.1: anything else is how request smuggling starts.</li>
 * </ul>
 *
 * <p>One instance per client connection, re-read for each request: valid until the next head is read.
 */
public final class RequestHead implements StickyRequest {
    /** 18 digits always fit in a long. */
    private static final int MAX_LENGTH_DIGITS = 18;
    private static final byte[] HTTP_1_1 = {'H', 'T', 'T', 'P', '/', '1', '.', '1'};
    /** Besides the hop-by-hop fields: what the proxy answers itself ({@code Expect}) or sets anew. */
    private static final int DROPPED = FieldName.bit(FieldName.EXPECT) | FieldName.bit(FieldName.X_FORWARDED_FOR)
            | FieldName.bit(FieldName.X_FORWARDED_PROTO) | FieldName.bit(FieldName.X_FORWARDED_HOST);

    private final HeaderFields fields;
    private final UpgradeProtocols upgrades;
    private final AsciiView targetView = new AsciiView();
    private byte[] bytes;
    private int start;
    private int methodEnd;
    private int targetStart;
    private int targetEnd;
    private String method;
    private boolean http11;
    /** The origin-form target when it differs from the bytes sent (absolute form, or normalised), else null. */
    private String rewrittenTarget;
    private int authorityStart;
    private int authorityEnd;
    private int hostField;
    private long contentLength;
    private boolean chunked;
    private boolean keepAlive;
    private int expectField;
    /** The request asks to switch to a protocol of {@link #upgrades}: its Upgrade field is forwarded. */
    private boolean upgrade;
    private String assignedCookie;
    private CharSequence assignedValue;
    private int status;
    private String problem;

    /** @param maxFieldCount the most header fields a request may have (more: 431) */
    public RequestHead(int maxFieldCount) {
        this(maxFieldCount, UpgradeProtocols.DEFAULT);
    }

    /**
     * @param maxFieldCount the most header fields a request may have (more: 431)
     * @param upgrades      the protocols a request may switch the connection to
     */
    public RequestHead(int maxFieldCount, UpgradeProtocols upgrades) {
        this.fields = new HeaderFields(maxFieldCount);
        this.upgrades = upgrades;
    }

    /**
     * Reads the request line, as soon as {@code head} {@linkplain HeadBuffer#hasStartLine() has it}:
     * a bad one is answered before the rest of the head arrives.
     *
     * @return whether it is acceptable; if not, see {@link #status()} and {@link #problem()}
     */
    public boolean readRequestLine(HeadBuffer head) {
        bytes = head.bytes();
        start = head.start();
        rewrittenTarget = null;
        authorityStart = -1;
        assignedCookie = null;
        assignedValue = null;
        byte[] b = bytes;
        int lineEnd = head.startLineEnd() - 2;
        int firstSpace = indexOf(b, ' ', start, lineEnd);
        int secondSpace = firstSpace < 0 ? -1 : indexOf(b, ' ', firstSpace + 1, lineEnd);
        if (secondSpace < 0) {
            return fail(400, "a request line is a method, a target and a version, separated by single spaces");
        }
        methodEnd = firstSpace;
        targetStart = firstSpace + 1;
        targetEnd = secondSpace;
        if (!readVersion(secondSpace + 1, lineEnd)) {
            return false;
        }
        if (methodEnd == start || !isToken(b, start, methodEnd)) {
            return fail(400, "invalid method");
        }
        method = method(b, start, methodEnd);
        if (targetEnd == targetStart) {
            return fail(400, "an empty target");
        }
        return readTarget();
    }

    private boolean readVersion(int from, int to) {
        byte[] b = bytes;
        if (to - from == 8 && b[from] == 'H' && b[from + 1] == 'T' && b[from + 2] == 'T' && b[from + 3] == 'P'
                && b[from + 4] == '/' && isDigit(b[from + 5]) && b[from + 6] == '.' && isDigit(b[from + 7])) {
            if (b[from + 5] == '1' && (b[from + 7] == '1' || b[from + 7] == '0')) {
                http11 = b[from + 7] == '1';
                return true;
            }
            return fail(505, "only HTTP/1.0 and HTTP/1.1 are supported, got " + Ascii.string(b, from, to));
        }
        return fail(400, "invalid HTTP version");
    }

    private boolean readTarget() {
        byte[] b = bytes;
        if (targetEnd - targetStart == 1 && b[targetStart] == '*') {
            targetView.set(b, targetStart, targetEnd);
            return "OPTIONS".equals(method) || fail(400, "'*' is a target for OPTIONS only");
        }
        if ("CONNECT".equals(method)) {
            targetView.set(b, targetStart, targetEnd); // authority-form; CONNECT is answered 405 anyway
            return true;
        }
        int pathStart = targetStart;
        if (b[targetStart] != '/') {
            int colon = indexOf(b, ':', targetStart, targetEnd);
            if (colon < 0 || colon + 2 >= targetEnd || b[colon + 1] != '/' || b[colon + 2] != '/') {
                return fail(400, "the target must start with '/' or 'http://'");
            }
            if (colon - targetStart != 4 || !Ascii.equalsIgnoreCase(b, targetStart, colon, "http")) {
                return fail(400, "only the http scheme is accepted in an absolute target");
            }
            authorityStart = colon + 3;
            authorityEnd = authorityStart;
            while (authorityEnd < targetEnd && b[authorityEnd] != '/' && b[authorityEnd] != '?') {
                authorityEnd++;
            }
            if (!Authority.isValid(b, authorityStart, authorityEnd)) {
                return fail(400, "invalid host in the target: expected host[:port] (RFC 3986), without user info");
            }
            pathStart = authorityEnd;
        }
        boolean maybeAbnormal = false;
        boolean inPath = true;
        for (int i = pathStart; i < targetEnd; i++) {
            byte c = b[i];
            if (!Ascii.isTargetChar(c)) {
                return fail(400, c == '#' ? "a target must not carry a fragment"
                        : "whitespace, control or non-ASCII character in the target");
            }
            if (c == '%') {
                if (i + 2 >= targetEnd || !Ascii.isHex(b[i + 1]) || !Ascii.isHex(b[i + 2])) {
                    return fail(400, "'%' must be followed by two hex digits in the target");
                }
                maybeAbnormal |= inPath;
            } else if (c == '?') {
                inPath = false;
            } else if (c == '.' && inPath && b[i - 1] == '/') {
                maybeAbnormal = true;
            }
        }
        if (authorityStart < 0 && !maybeAbnormal) {
            targetView.set(b, targetStart, targetEnd); // the usual case: the target as sent
            return true;
        }
        String origin = pathStart == targetEnd || b[pathStart] == '?'
                ? "/" + Ascii.string(b, pathStart, targetEnd) : Ascii.string(b, pathStart, targetEnd);
        String normal = PathNormaliser.normalise(origin);
        if (normal == null) {
            return fail(400, "the path climbs above the root");
        }
        rewrittenTarget = normal;
        return true;
    }

    /**
     * Reads the header fields once the head is complete.
     *
     * @return whether the head is acceptable; if not, see {@link #status()} and {@link #problem()}
     */
    public boolean readFields(HeadBuffer head) {
        bytes = head.bytes(); // the buffer may have grown into a new array since the request line was read
        HeaderFields f = fields;
        if (!f.parse(bytes, head.startLineEnd(), head.end() - 2)) {
            return fail(f.status(), f.problem());
        }
        hostField = -1;
        expectField = -1;
        upgrade = false;
        int upgradeField = -1;
        int hosts = 0;
        int lengthField = -1;
        int lengths = 0;
        int codingField = -1;
        int codings = 0;
        for (int i = 0, n = f.count(); i < n; i++) {
            switch (f.name(i)) {
                case FieldName.HOST -> {
                    hosts++;
                    hostField = hostField < 0 ? i : hostField;
                }
                case FieldName.CONTENT_LENGTH -> {
                    lengths++;
                    lengthField = i;
                }
                case FieldName.TRANSFER_ENCODING -> {
                    codings++;
                    codingField = i;
                }
                case FieldName.EXPECT -> expectField = expectField < 0 ? i : expectField;
                case FieldName.UPGRADE -> upgradeField = upgradeField == -1 ? i : -2; // more than one: no upgrade
                default -> {
                }
            }
        }
        if (hosts > 1) {
            return fail(400, "more than one Host header");
        }
        if (hosts == 0 && http11) {
            return fail(400, "an HTTP/1.1 request needs a Host header");
        }
        if (hostField >= 0 && !Authority.isValid(bytes, f.valueStart(hostField), f.valueEnd(hostField))) {
            return fail(400, "invalid Host: expected host[:port] (RFC 3986), without user info");
        }
        if (codings > 0 && lengths > 0) {
            return fail(400, "both Content-Length and Transfer-Encoding");
        }
        if (codings > 1 || codings == 1 && !f.valueEqualsIgnoreCase(codingField, "chunked")) {
            return fail(400, "Transfer-Encoding must be exactly 'chunked', got " + f.values(FieldName.TRANSFER_ENCODING));
        }
        if (codings == 1 && !http11) {
            return fail(400, "Transfer-Encoding in an HTTP/1.0 request");
        }
        if (lengths > 1) {
            return fail(400, "more than one Content-Length: " + f.values(FieldName.CONTENT_LENGTH));
        }
        chunked = codings == 1;
        contentLength = lengths == 0 ? 0 : plainLength(bytes, f.valueStart(lengthField), f.valueEnd(lengthField));
        if (contentLength < 0) {
            return fail(400, "Content-Length must be digits without leading zeros, got '" + f.value(lengthField) + "'");
        }
        int connection = f.readConnection();
        keepAlive = (connection & HeaderFields.CLOSE) == 0 && (http11 || (connection & HeaderFields.KEEP_ALIVE) != 0);
        f.dropHopByHop(DROPPED);
        // An upgrade is an HTTP/1.1 affair, for a request without a body (RFC 9110 section 7.8):
        // anything else offered is dropped with the hop-by-hop fields, and answered as HTTP/1.1.
        if ((connection & HeaderFields.UPGRADE) != 0 && upgradeField >= 0 && http11 && !chunked && contentLength == 0
                && upgrades.allowsAll(bytes, f.valueStart(upgradeField), f.valueEnd(upgradeField))) {
            upgrade = true;
            f.keep(FieldName.UPGRADE);
        }
        if (authorityStart >= 0 && hostField >= 0) {
            f.drop(hostField); // the target's authority wins over Host (RFC 9112 section 3.2.2)
        }
        return true;
    }

    /**
     * Writes the head the backend gets: HTTP/1.1, the target in origin form, the fields as sent
     * except hop-by-hop ones, those {@code Connection} names, {@code Expect} (the proxy answers
     * {@code 100-continue} itself) and the client's {@code X-Forwarded-*}, which are set anew:
     * {@code X-Forwarded-For} with {@code clientIp} appended, {@code X-Forwarded-Proto} ({@code https}
     * when the request came over TLS, else {@code http}), {@code X-Forwarded-Host}. A request without
     * {@code Host} (HTTP/1.0) gets {@code defaultHost:defaultPort}. An {@linkplain #upgrade() upgrade}
     * keeps its {@code Upgrade} field and gets {@code Connection: upgrade}.
     */
    public void writeForBackend(ByteBuf out, String clientIp, boolean https, String defaultHost, int defaultPort) {
        byte[] b = bytes;
        out.writeBytes(b, start, methodEnd + 1 - start);
        if (rewrittenTarget != null) {
            ByteBufUtil.writeAscii(out, rewrittenTarget);
        } else {
            out.writeBytes(b, targetStart, targetEnd - targetStart);
        }
        out.writeByte(' ').writeBytes(HTTP_1_1).writeByte('\r').writeByte('\n');
        HeaderFields f = fields;
        f.writeKept(out);
        if (chunked) {
            ByteBufUtil.writeAscii(out, "transfer-encoding: chunked\r\n");
        } else if (upgrade) {
            ByteBufUtil.writeAscii(out, "connection: upgrade\r\n");
        }
        if (authorityStart >= 0) {
            ByteBufUtil.writeAscii(out, "host: ");
            out.writeBytes(b, authorityStart, authorityEnd - authorityStart).writeByte('\r').writeByte('\n');
        } else if (hostField < 0) {
            ByteBufUtil.writeAscii(out, "host: ");
            ByteBufUtil.writeAscii(out, defaultHost);
            out.writeByte(':');
            ByteBufUtil.writeAscii(out, Integer.toString(defaultPort)); // rare: HTTP/1.0 without Host
            out.writeByte('\r').writeByte('\n');
        }
        if (clientIp != null) {
            writeForwardedFor(out, clientIp);
        }
        ByteBufUtil.writeAscii(out, https ? "x-forwarded-proto: https\r\n" : "x-forwarded-proto: http\r\n");
        if (authorityStart >= 0 || hostField >= 0) {
            ByteBufUtil.writeAscii(out, "x-forwarded-host: ");
            if (authorityStart >= 0) {
                out.writeBytes(b, authorityStart, authorityEnd - authorityStart);
            } else {
                out.writeBytes(b, f.valueStart(hostField), f.valueEnd(hostField) - f.valueStart(hostField));
            }
            out.writeByte('\r').writeByte('\n');
        }
        out.writeByte('\r').writeByte('\n');
    }

    /**
     * The request as an HTTP/2 backend gets it: the fields {@link #writeForBackend} keeps, named in
     * lower case, and the pseudo-fields: {@code :authority} from the absolute target or {@code Host}
     * (else {@code defaultHost:defaultPort}), {@code :scheme} {@code https} when the backend
     * connection is TLS. The forwarding fields are set anew, as for HTTP/1.1.
     */
    public Http2Headers forHttp2Backend(String clientIp, boolean https, boolean backendTls, String defaultHost,
                                        int defaultPort) {
        byte[] b = bytes;
        HeaderFields f = fields;
        Http2Headers out = new DefaultHttp2Headers(false, f.count() + 8);
        out.method(method);
        out.scheme(backendTls ? "https" : "http");
        out.path(rewrittenTarget != null ? rewrittenTarget : Ascii.string(b, targetStart, targetEnd));
        String authority = authorityStart >= 0 ? Ascii.string(b, authorityStart, authorityEnd)
                : hostField >= 0 ? f.value(hostField) : defaultHost + ":" + defaultPort;
        out.authority(authority);
        StringBuilder forwardedFor = new StringBuilder();
        for (int i = 0; i < f.count(); i++) {
            byte name = f.name(i);
            if (name == FieldName.X_FORWARDED_FOR && f.valueEnd(i) > f.valueStart(i)) {
                forwardedFor.append(f.value(i)).append(", ");
            } else if (!f.dropped(i) && name != FieldName.HOST) {
                out.add(AsciiString.of(Ascii.string(b, f.nameStart(i), f.nameEnd(i))).toLowerCase(), f.value(i));
            }
        }
        if (clientIp != null) {
            out.set("x-forwarded-for", forwardedFor.append(clientIp));
        }
        out.set("x-forwarded-proto", https ? "https" : "http");
        if (authorityStart >= 0 || hostField >= 0) {
            out.set("x-forwarded-host", authority);
        }
        return out;
    }

    /** How many bytes {@link #writeForBackend} may write, at most, besides the client IP and default host. */
    public int forwardedSizeHint() {
        return fieldsEnd() - start + (rewrittenTarget == null ? 0 : rewrittenTarget.length()) + 160
                + (authorityStart >= 0 ? 2 * (authorityEnd - authorityStart) : 0)
                + (hostField >= 0 ? fields.valueEnd(hostField) - fields.valueStart(hostField) : 0);
    }

    private int fieldsEnd() {
        int n = fields.count();
        return n == 0 ? targetEnd + 11 : fields.lineEnd(n - 1);
    }

    private void writeForwardedFor(ByteBuf out, String clientIp) {
        ByteBufUtil.writeAscii(out, "x-forwarded-for: ");
        HeaderFields f = fields;
        for (int i = f.find(FieldName.X_FORWARDED_FOR, 0); i >= 0; i = f.find(FieldName.X_FORWARDED_FOR, i + 1)) {
            if (f.valueEnd(i) > f.valueStart(i)) {
                out.writeBytes(bytes, f.valueStart(i), f.valueEnd(i) - f.valueStart(i));
                ByteBufUtil.writeAscii(out, ", ");
            }
        }
        ByteBufUtil.writeAscii(out, clientIp);
        out.writeByte('\r').writeByte('\n');
    }

    private boolean fail(int status, String problem) {
        this.status = status;
        this.problem = problem;
        return false;
    }

    /** The method, one shared string for the common ones. */
    public String method() {
        return method;
    }

    public boolean isHead() {
        return "HEAD".equals(method);
    }

    public boolean isConnect() {
        return "CONNECT".equals(method);
    }

    public boolean http11() {
        return http11;
    }

    /** Whether the client wants the connection kept after this exchange. */
    public boolean keepAlive() {
        return keepAlive;
    }

    public boolean chunked() {
        return chunked;
    }

    /** The declared body length; 0 without one (and for a chunked body). */
    public long contentLength() {
        return contentLength;
    }

    /** Whether the request declares no body. */
    public boolean bodyless() {
        return !chunked && contentLength == 0;
    }

    /**
     * Whether the request asks to switch the connection to an allowed protocol (see
     * {@link UpgradeProtocols}): its {@code Upgrade} field is forwarded with {@code Connection: upgrade}.
     */
    public boolean upgrade() {
        return upgrade;
    }

    /** Whether it carries {@code Expect}; see {@link #expectsContinue()}. */
    public boolean hasExpect() {
        return expectField >= 0;
    }

    /** Whether its {@code Expect} is {@code 100-continue}, the only expectation the proxy meets. */
    public boolean expectsContinue() {
        return expectField >= 0 && fields.valueEqualsIgnoreCase(expectField, "100-continue");
    }

    public int status() {
        return status;
    }

    public String problem() {
        return problem;
    }

    /** The target in origin form (or {@code *}), as routed and forwarded. */
    @Override
    public CharSequence target() {
        return rewrittenTarget != null ? rewrittenTarget : targetView;
    }

    @Override
    public boolean hasHeader(CharSequence name) {
        return fields.find(name) >= 0;
    }

    @Override
    public boolean hasHeader(CharSequence name, CharSequence value) {
        HeaderFields f = fields;
        for (int i = 0, n = f.count(); i < n; i++) {
            if (Ascii.equalsIgnoreCase(bytes, f.nameStart(i), f.nameEnd(i), name) && f.valueEqualsIgnoreCase(i, value)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public CharSequence header(CharSequence name) {
        int i = fields.find(name);
        return i < 0 ? null : new AsciiView(bytes, fields.valueStart(i), fields.valueEnd(i));
    }

    @Override
    public CharSequence cookie(CharSequence name) {
        if (assignedCookie != null && assignedCookie.contentEquals(name)) {
            return assignedValue;
        }
        return StickyRequest.super.cookie(name);
    }

    @Override
    public void assignCookie(String name, CharSequence value) {
        this.assignedCookie = name;
        this.assignedValue = value;
    }

    @Override
    public CharSequence readCookie(String name) {
        CharSequence value = StickyRequest.super.cookie(name);
        if (value == null || value.length() == 0) {
            return null;
        }
        assignCookie(name, value);
        return value;
    }

    private static int indexOf(byte[] b, char c, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isToken(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (!Ascii.isTokenChar(b[i])) {
                return false;
            }
        }
        return true;
    }

    private static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }

    /**
     * A plain length: {@code 0} or digits not starting with {@code 0}, else -1. Leading zeros are
     * valid HTTP, but no client needs them and some parsers read them as octal, so they are refused.
     */
    static long plainLength(byte[] b, int from, int to) {
        int length = to - from;
        if (length == 0 || length > MAX_LENGTH_DIGITS || length > 1 && b[from] == '0') {
            return -1;
        }
        long value = 0;
        for (int i = from; i < to; i++) {
            if (!isDigit(b[i])) {
                return -1;
            }
            value = value * 10 + (b[i] - '0');
        }
        return value;
    }

    private static String method(byte[] b, int from, int to) {
        return switch (to - from) {
            case 3 -> same(b, from, "GET") ? "GET" : same(b, from, "PUT") ? "PUT" : Ascii.string(b, from, to);
            case 4 -> same(b, from, "HEAD") ? "HEAD" : same(b, from, "POST") ? "POST" : Ascii.string(b, from, to);
            case 5 -> same(b, from, "PATCH") ? "PATCH" : same(b, from, "TRACE") ? "TRACE" : Ascii.string(b, from, to);
            case 6 -> same(b, from, "DELETE") ? "DELETE" : Ascii.string(b, from, to);
            case 7 -> same(b, from, "OPTIONS") ? "OPTIONS" : same(b, from, "CONNECT") ? "CONNECT" : Ascii.string(b, from, to);
            default -> Ascii.string(b, from, to);
        };
    }

    private static boolean same(byte[] b, int from, String text) {
        for (int i = 0; i < text.length(); i++) {
            if (b[from + i] != text.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
