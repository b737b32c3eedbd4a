package io.canarybalancer.balancer.proxy.http1;

import io.netty.buffer.ByteBuf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The header fields of one head, as offsets into the {@link HeadBuffer}'s bytes: no field is
 * copied or turned into a string. Parsing is strict (RFC 9110 section 5, RFC 9112 section 5): a
 * name is a token followed at once by the colon, a value holds no control character but HTAB, and
 * a line that starts with whitespace (obs-fold) is refused. Fields the proxy reads or rewrites are
 * recognised by name as they are parsed (see {@link FieldName}).
 *
 * <p>One instance per connection direction; {@link #parse} overwrites the previous head's fields.
 */
public final class HeaderFields {
    private static final long LOW_SEVEN = 0x7F7F7F7F7F7F7F7FL;
    private static final long HIGH_BITS = 0x8080808080808080L;
    /** Added to the low seven bits of each byte: carries into the high bit from 0x20 up. */
    private static final long BELOW_SPACE = 0x6060606060606060L;
    private static final long DELS = 0x7F7F7F7F7F7F7F7FL;

    /** Per field: name start, name end (the colon), value start, value end (OWS trimmed), line end. */
    private static final int STRIDE = 5;

    private final int maxCount;
    private int[] offsets = new int[16 * STRIDE];
    private byte[] names = new byte[16];
    private boolean[] dropped = new boolean[16];
    /** Start and end of each Connection token that names a field; grows with the tokens (bounded by the head). */
    private int[] connectionTokens = new int[16];
    private int connectionTokenCount;
    private int count;
    private byte[] bytes;
    private String problem;
    private int status;

    /** @param maxCount the most fields a head may have (more: 431) */
    public HeaderFields(int maxCount) {
        this.maxCount = maxCount;
    }

    /**
     * Reads the field lines in {@code bytes} from {@code from} to {@code to}, the index of the final
     * empty line. The lines are known to end in CRLF ({@link HeadBuffer} checked that).
     *
     * @return whether they are well formed; if not, {@link #status()} and {@link #problem()} say why
     */
    public boolean parse(byte[] bytes, int from, int to) {
        this.bytes = bytes;
        count = 0;
        connectionTokenCount = 0;
        problem = null;
        int line = from;
        while (line < to) {
            byte first = bytes[line];
            if (first == ' ' || first == '\t') {
                return fail(400, "a header line continued on the next line (obs-fold)");
            }
            int colon = line;
            while (Ascii.isTokenChar(bytes[colon])) {
                colon++;
            }
            if (bytes[colon] != ':') {
                return fail(400, colon == line || bytes[colon] == '\r' ? "a header line without a name and colon"
                        : "an invalid character in a header name, or whitespace before the colon");
            }
            if (colon == line) {
                return fail(400, "a header field with an empty name");
            }
            int valueStart = colon + 1;
            while (bytes[valueStart] == ' ' || bytes[valueStart] == '\t') {
                valueStart++;
            }
            int i = endOfValue(bytes, valueStart, to);
            if (i < 0) {
                return fail(400, "a control character in a header value");
            }
            int valueEnd = i;
            while (valueEnd > valueStart && (bytes[valueEnd - 1] == ' ' || bytes[valueEnd - 1] == '\t')) {
                valueEnd--;
            }
            if (count == maxCount) {
                return fail(431, "more than " + maxCount + " header fields");
            }
            add(line, colon, valueStart, valueEnd, i + 2);
            line = i + 2;
        }
        return true;
    }

    /**
     * The index of the CR that ends the value starting at {@code from}, or -1 when the value holds a
     * control character (HTAB aside) or DEL. Eight bytes at a time: a word without a byte below
     * 0x20 and without DEL is all field content (obs-text, 0x80 and up, included).
     */
    private static int endOfValue(byte[] b, int from, int to) {
        int i = from;
        while (true) {
            for (; i + Long.BYTES <= to; i += Long.BYTES) {
                long word = (long) HeadBuffer.LONGS.get(b, i);
                long low = (word & LOW_SEVEN) + BELOW_SPACE; // high bit set where (byte & 0x7F) >= 0x20
                long special = ~(low | word) & HIGH_BITS | HeadBuffer.zeroBytes(word ^ DELS);
                if (special != 0) {
                    i += Long.numberOfTrailingZeros(special) >>> 3;
                    break;
                }
            }
            for (; ; i++) {
                byte c = b[i];
                if (c == '\r') {
                    return i;
                }
                if (c == '\t') {
                    i++;
                    break; // go on, a word at a time again
                }
                if (!Ascii.isFieldChar(c)) {
                    return -1;
                }
            }
        }
    }

    private void add(int nameStart, int nameEnd, int valueStart, int valueEnd, int lineEnd) {
        if ((count + 1) * STRIDE > offsets.length) {
            offsets = Arrays.copyOf(offsets, offsets.length * 2);
            names = Arrays.copyOf(names, names.length * 2);
            dropped = Arrays.copyOf(dropped, dropped.length * 2);
        }
        int at = count * STRIDE;
        offsets[at] = nameStart;
        offsets[at + 1] = nameEnd;
        offsets[at + 2] = valueStart;
        offsets[at + 3] = valueEnd;
        offsets[at + 4] = lineEnd;
        names[count] = FieldName.of(bytes, nameStart, nameEnd);
        dropped[count] = false;
        count++;
    }

    private boolean fail(int status, String problem) {
        this.status = status;
        this.problem = problem;
        return false;
    }

    public int count() {
        return count;
    }

    /** The {@link FieldName} code of field {@code i}, {@link FieldName#OTHER} for names the proxy does not know. */
    public byte name(int i) {
        return names[i];
    }

    public int nameStart(int i) {
        return offsets[i * STRIDE];
    }

    public int nameEnd(int i) {
        return offsets[i * STRIDE + 1];
    }

    public int valueStart(int i) {
        return offsets[i * STRIDE + 2];
    }

    public int valueEnd(int i) {
        return offsets[i * STRIDE + 3];
    }

    /** Just past the CRLF of field {@code i}'s line; its line starts at {@link #nameStart}. */
    public int lineEnd(int i) {
        return offsets[i * STRIDE + 4];
    }

    /** The first field with this name code, from {@code from} on, or -1. */
    public int find(byte name, int from) {
        for (int i = from; i < count; i++) {
            if (names[i] == name) {
                return i;
            }
        }
        return -1;
    }

    /** How many fields have this name code. */
    public int countOf(byte name) {
        int n = 0;
        for (int i = 0; i < count; i++) {
            if (names[i] == name) {
                n++;
            }
        }
        return n;
    }

    /** The first field whose name equals {@code name}, ignoring ASCII case, or -1. */
    public int find(CharSequence name) {
        for (int i = 0; i < count; i++) {
            if (Ascii.equalsIgnoreCase(bytes, nameStart(i), nameEnd(i), name)) {
                return i;
            }
        }
        return -1;
    }

    /** Whether field {@code i}'s value equals {@code text}, ignoring ASCII case. */
    public boolean valueEqualsIgnoreCase(int i, CharSequence text) {
        return Ascii.equalsIgnoreCase(bytes, valueStart(i), valueEnd(i), text);
    }

    /** Field {@code i}'s value as a string; for error messages and rare paths only. */
    public String value(int i) {
        return Ascii.string(bytes, valueStart(i), valueEnd(i));
    }

    /** {@link #readConnection()}: the tokens included {@code close}. */
    public static final int CLOSE = 1;
    /** {@link #readConnection()}: the tokens included {@code keep-alive}. */
    public static final int KEEP_ALIVE = 2;
    /** {@link #readConnection()}: the tokens included {@code upgrade}. */
    public static final int UPGRADE = 4;

    /**
     * Reads the tokens of every {@code Connection} field: {@link #CLOSE}, {@link #KEEP_ALIVE} and {@link #UPGRADE} are
     * returned as bits, and every token names a field to drop (see {@link #namedByConnection}).
     */
    public int readConnection() {
        int found = 0;
        for (int field = find(FieldName.CONNECTION, 0); field >= 0; field = find(FieldName.CONNECTION, field + 1)) {
            found |= readConnectionTokens(field);
        }
        return found;
    }

    private int readConnectionTokens(int field) {
        byte[] b = bytes;
        int found = 0;
        int end = valueEnd(field);
        for (int i = valueStart(field); i < end; ) {
            while (i < end && (b[i] == ' ' || b[i] == '\t' || b[i] == ',')) {
                i++;
            }
            int tokenStart = i;
            while (i < end && b[i] != ',') {
                i++;
            }
            int tokenEnd = i;
            while (tokenEnd > tokenStart && (b[tokenEnd - 1] == ' ' || b[tokenEnd - 1] == '\t')) {
                tokenEnd--;
            }
            if (tokenEnd == tokenStart) {
                continue;
            }
            if (Ascii.equalsIgnoreCase(b, tokenStart, tokenEnd, "keep-alive")) {
                found |= KEEP_ALIVE;
                continue; // it names Keep-Alive, which is dropped as hop-by-hop anyway
            }
            if (Ascii.equalsIgnoreCase(b, tokenStart, tokenEnd, "close")) {
                found |= CLOSE; // and, like every option, it names a field to drop (RFC 9110 section 7.6.1)
            } else if (Ascii.equalsIgnoreCase(b, tokenStart, tokenEnd, "upgrade")) {
                found |= UPGRADE;
            }
            if (connectionTokenCount * 2 == connectionTokens.length) {
                connectionTokens = Arrays.copyOf(connectionTokens, connectionTokens.length * 2);
            }
            connectionTokens[connectionTokenCount * 2] = tokenStart;
            connectionTokens[connectionTokenCount * 2 + 1] = tokenEnd;
            connectionTokenCount++;
        }
        return found;
    }

    /**
     * Whether field {@code i} is named by a {@code Connection} token, which makes it hop-by-hop.
     * Framing and {@code Host} never are: a client must not be able to strip them on the next hop.
     */
    public boolean namedByConnection(int i) {
        byte name = names[i];
        if (connectionTokenCount == 0 || name == FieldName.CONTENT_LENGTH || name == FieldName.HOST) {
            return false;
        }
        for (int t = 0; t < connectionTokenCount; t++) {
            if (Ascii.regionsEqualIgnoreCase(bytes, nameStart(i), nameEnd(i), connectionTokens[t * 2],
                    connectionTokens[t * 2 + 1])) {
                return true;
            }
        }
        return false;
    }

    /** Undoes the dropping of every field with this code: {@link #writeKept} writes them again. */
    public void keep(byte name) {
        for (int i = 0; i < count; i++) {
            if (names[i] == name) {
                dropped[i] = false;
            }
        }
    }

    /** Whether field {@code i} is marked as not to be written. */
    public boolean dropped(int i) {
        return dropped[i];
    }

    /** Marks field {@code i} as not to be written by {@link #writeKept}. */
    public void drop(int i) {
        dropped[i] = true;
    }

    /**
     * Marks every hop-by-hop field (RFC 9110 section 7.6.1, and those {@code Connection} names) and
     * every field whose code is in {@code alsoDropped} (a bit per code).
     */
    public void dropHopByHop(int alsoDropped) {
        for (int i = 0; i < count; i++) {
            byte name = names[i];
            if (FieldName.hopByHop(name) || (alsoDropped & 1 << name) != 0 || namedByConnection(i)) {
                dropped[i] = true;
            }
        }
    }

    /** Writes the lines of the fields not dropped, as received; consecutive lines in one copy. */
    public void writeKept(ByteBuf out) {
        int runStart = -1;
        int runEnd = -1;
        for (int i = 0; i < count; i++) {
            if (!dropped[i]) {
                if (runStart < 0) {
                    runStart = nameStart(i);
                }
                runEnd = lineEnd(i);
            } else if (runStart >= 0) {
                out.writeBytes(bytes, runStart, runEnd - runStart);
                runStart = -1;
            }
        }
        if (runStart >= 0) {
            out.writeBytes(bytes, runStart, runEnd - runStart);
        }
    }

    /** The values of every field with this code, for error messages. */
    public List<String> values(byte name) {
        List<String> values = new ArrayList<>();
        for (int i = find(name, 0); i >= 0; i = find(name, i + 1)) {
            values.add(value(i));
        }
        return values;
    }

    /** Bytes from the first field line to the end of the last; 0 without fields. */
    public int size() {
        return count == 0 ? 0 : lineEnd(count - 1) - nameStart(0);
    }

    public int status() {
        return status;
    }

    public String problem() {
        return problem;
    }
}
