package io.canarybalancer.balancer.proxy.http1;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

/**
 * A backend's response head read in place from a {@link HeadBuffer}: the status line and the
 * fields that frame the body and manage the connection. A response whose framing is ambiguous
 * (both {@code Content-Length} and {@code Transfer-Encoding}, any coding but {@code chunked}
 * alone, repeated or non-plain lengths) is refused: relaying it would let the backend smuggle a
 * response. {@link #writeForClient} writes the head the client gets.
 *
 * <p>One instance per backend connection, re-read for each response.
 */
public final class ResponseHead {
    private static final byte[] HTTP_1_1 = {'H', 'T', 'T', 'P', '/', '1', '.', '1'};
    private static final int DROPPED = FieldName.bit(FieldName.X_CANARY_POOL);

    private final HeaderFields fields;
    private byte[] bytes;
    private int start;
    private int startLineEnd;
    private int code;
    private boolean http11;
    private boolean chunked;
    private long contentLength;
    private boolean keepAlive;
    private String problem;
    private boolean ambiguous;

    /** @param maxFieldCount the most header fields a response may have */
    public ResponseHead(int maxFieldCount) {
        this.fields = new HeaderFields(maxFieldCount);
    }

    /**
     * Reads a complete head.
     *
     * @return whether it can be relayed; if not, {@link #problem()} says why and {@link #ambiguous()}
     *         whether the framing was the problem (rather than the syntax)
     */
    public boolean read(HeadBuffer head) {
        bytes = head.bytes();
        start = head.start();
        startLineEnd = head.startLineEnd();
        ambiguous = false;
        byte[] b = bytes;
        int lineEnd = startLineEnd - 2;
        // HTTP/1.x SP 3DIGIT [SP reason-phrase]
        if (lineEnd - start < 12 || b[start] != 'H' || b[start + 1] != 'T' || b[start + 2] != 'T' || b[start + 3] != 'P'
                || b[start + 4] != '/' || b[start + 5] != '1' || b[start + 6] != '.'
                || b[start + 7] != '1' && b[start + 7] != '0' || b[start + 8] != ' '
                || !isDigit(b[start + 9]) || !isDigit(b[start + 10]) || !isDigit(b[start + 11])
                || lineEnd > start + 12 && b[start + 12] != ' ') {
            return fail("an invalid status line");
        }
        for (int i = start + 12; i < lineEnd; i++) {
            if (!Ascii.isFieldChar(b[i])) {
                return fail("a control character in the status line");
            }
        }
        http11 = b[start + 7] == '1';
        code = (b[start + 9] - '0') * 100 + (b[start + 10] - '0') * 10 + (b[start + 11] - '0');
        if (code < 100) {
            return fail("an invalid status code");
        }
        HeaderFields f = fields;
        if (!f.parse(b, startLineEnd, head.end() - 2)) {
            return fail(f.problem());
        }
        int lengths = f.countOf(FieldName.CONTENT_LENGTH);
        int codings = f.countOf(FieldName.TRANSFER_ENCODING);
        ambiguous = true;
        if (codings > 0 && lengths > 0) {
            return fail("both Content-Length and Transfer-Encoding");
        }
        if (codings > 1 || codings == 1 && !f.valueEqualsIgnoreCase(f.find(FieldName.TRANSFER_ENCODING, 0), "chunked")) {
            return fail("Transfer-Encoding must be exactly 'chunked', got " + f.values(FieldName.TRANSFER_ENCODING));
        }
        if (lengths > 1) {
            return fail("more than one Content-Length: " + f.values(FieldName.CONTENT_LENGTH));
        }
        ambiguous = false;
        chunked = codings == 1;
        contentLength = -1;
        if (lengths == 1) {
            int field = f.find(FieldName.CONTENT_LENGTH, 0);
            contentLength = RequestHead.plainLength(b, f.valueStart(field), f.valueEnd(field));
            if (contentLength < 0) {
                ambiguous = true;
                return fail("Content-Length must be digits without leading zeros, got '" + f.value(field) + "'");
            }
        }
        int connection = f.readConnection();
        keepAlive = (connection & HeaderFields.CLOSE) == 0 && (http11 || (connection & HeaderFields.KEEP_ALIVE) != 0);
        f.dropHopByHop(DROPPED);
        if (code == 101) {
            f.keep(FieldName.UPGRADE); // the protocol the connection switches to, for the client to see
        }
        return true;
    }

    /**
     * Writes the head the client gets: {@code HTTP/1.1} and the backend's status and reason, its
     * fields as sent except hop-by-hop ones, then the proxy's: {@code Transfer-Encoding: chunked}
     * when {@code chunkedForClient}, {@code X-Canary-Pool}, a {@code Set-Cookie} when given, and
     * {@code Connection: close} or, for an HTTP/1.0 client kept open, {@code keep-alive}. A
     * {@code 101 Switching Protocols} keeps its {@code Upgrade} field and says {@code Connection: upgrade}.
     */
    public void writeForClient(ByteBuf out, boolean chunkedForClient, String pool, String setCookie,
                               boolean close, boolean http10KeepAlive) {
        out.writeBytes(HTTP_1_1).writeBytes(bytes, start + 8, startLineEnd - start - 8);
        fields.writeKept(out);
        if (chunkedForClient) {
            ByteBufUtil.writeAscii(out, "transfer-encoding: chunked\r\n");
        }
        ByteBufUtil.writeAscii(out, "x-canary-pool: ");
        ByteBufUtil.writeAscii(out, pool);
        out.writeByte('\r').writeByte('\n');
        if (setCookie != null) {
            ByteBufUtil.writeAscii(out, "set-cookie: ");
            ByteBufUtil.writeAscii(out, setCookie);
            out.writeByte('\r').writeByte('\n');
        }
        if (code == 101) {
            ByteBufUtil.writeAscii(out, "connection: upgrade\r\n");
        } else if (close) {
            ByteBufUtil.writeAscii(out, "connection: close\r\n");
        } else if (http10KeepAlive) {
            ByteBufUtil.writeAscii(out, "connection: keep-alive\r\n");
        }
        out.writeByte('\r').writeByte('\n');
    }

    /** Receives header fields one at a time: the name as sent (any case), the value trimmed. */
    public interface FieldVisitor {
        void field(String name, String value);
    }

    /**
     * Hands over the fields {@link #writeForClient} would write, as sent (for an HTTP/2 client, whose
     * head is made of fields rather than of these bytes).
     */
    public void forEachKept(FieldVisitor visitor) {
        HeaderFields f = fields;
        for (int i = 0; i < f.count(); i++) {
            if (!f.dropped(i)) {
                visitor.field(Ascii.string(bytes, f.nameStart(i), f.nameEnd(i)), f.value(i));
            }
        }
    }

    /** An upper bound of what {@link #writeForClient} writes, besides the cookie. */
    public int sizeHint() {
        return startLineEnd - start + fields.size() + 120;
    }

    private boolean fail(String problem) {
        this.problem = problem;
        return false;
    }

    private static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }

    public int code() {
        return code;
    }

    /** 1xx: an interim answer, another head follows. */
    public boolean informational() {
        return code < 200;
    }

    /** {@code 101 Switching Protocols}: what follows the head is the new protocol's, in both directions. */
    public boolean switchingProtocols() {
        return code == 101;
    }

    /**
     * Whether a {@code 101} names, in its one {@code Upgrade} field, only protocols of
     * {@code protocols} (RFC 9110 section 15.2.2: a server that switches says to what). A switch to
     * anything else would give the client a raw channel the balancer never agreed to.
     */
    public boolean switchesTo(UpgradeProtocols protocols) {
        int field = fields.find(FieldName.UPGRADE, 0);
        return field >= 0 && fields.find(FieldName.UPGRADE, field + 1) < 0
                && protocols.allowsAll(bytes, fields.valueStart(field), fields.valueEnd(field));
    }

    /** The values of the {@code Upgrade} fields, for error messages. */
    public String upgradeField() {
        return fields.values(FieldName.UPGRADE).toString();
    }

    /** Whether this status never has a body, whatever the head declares (1xx, 204, 304). */
    public boolean bodylessStatus() {
        return code < 200 || code == 204 || code == 304;
    }

    public boolean chunked() {
        return chunked;
    }

    /** The declared length, or -1 without {@code Content-Length}. */
    public long contentLength() {
        return contentLength;
    }

    /** Whether the backend lets the connection be reused after this response. */
    public boolean keepAlive() {
        return keepAlive;
    }

    public boolean http11() {
        return http11;
    }

    public String problem() {
        return problem;
    }

    /** Whether {@link #read} refused the head for its body framing. */
    public boolean ambiguous() {
        return ambiguous;
    }
}
