package io.canarybalancer.balancer.proxy.http1;

import io.netty.buffer.ByteBuf;

/**
 * Tracks the body of one HTTP/1.1 message in the bytes of one connection direction: which of the
 * received bytes belong to the body, where it ends, and whether its chunked framing is valid. The
 * proxy forwards the body as the received buffers, so this class only reports index ranges.
 *
 * <p>One instance per connection direction, re-armed for each message by one of the
 * {@code expect} methods; it allocates nothing per call and is confined to the connection's event
 * loop. {@link #scan} may be fed the bytes split at any point: the state machine keeps what it has
 * read of a framing line (the size so far, the extension or trailer field part it is in, the line
 * length), never the bytes themselves.
 *
 * <p>Chunk data is skipped by arithmetic; only framing bytes (size lines, CRLFs, trailers) are
 * looked at one by one. The framing is read as strictly as the balancer's request parsing:
 * <ul>
 *   <li>chunk-size: 1 to 16 hex digits (leading zeros allowed and counted) whose value fits a
 *       non-negative {@code long}; no sign, whitespace or {@code 0x}; then optional extensions,
 *       {@code *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] )} (RFC 9112 section 7.1.1), with
 *       ext-name a token and ext-val a token or quoted-string; then CRLF. Whitespace that is not
 *       followed by {@code ;} or {@code =} (so also before the CRLF) is refused;</li>
 *   <li>chunk data of exactly the size, then CRLF;</li>
 *   <li>after the last chunk (size 0), trailer field lines {@code token ":" OWS value OWS CRLF}
 *       with no control characters but HTAB in the value and no obs-fold, then CRLF;</li>
 *   <li>a bare CR or LF anywhere in the framing is malformed.</li>
 * </ul>
 *
 * <p>Extensions are dropped by skipping their bytes: the size digits and the line's CRLF are
 * forwarded as received, everything from the first whitespace or {@code ;} after the digits up to
 * the CR is not. Replacing the whole line instead would need the digits of a line split across two
 * reads, which are no longer in hand when the extension shows up.
 */
public final class BodyFraming {
    /** Where the scanned bytes go. Ranges are indexes into the ByteBuf passed to scan, in order, never overlapping. */
    public interface Sink {
        /** Forward bytes [from, to) of the scanned buffer unchanged. Consecutive ranges are coalesced: one call per maximal run. */
        void forward(int from, int to);
    }

    private static final String INVALID_SIZE = "invalid chunk size";
    private static final String INVALID_EXTENSION = "invalid chunk extension";
    private static final String LINE_TOO_LONG = "chunk line too long";
    private static final String BARE_CR = "bare CR in chunk line";
    private static final String BARE_LF = "bare LF in chunk line";
    private static final String DATA_NOT_ENDED = "chunk data not followed by CRLF";
    private static final String INVALID_TRAILER = "invalid trailer field";
    private static final String TRAILERS_TOO_LARGE = "trailer section too large";

    private static final byte CR = '\r';
    private static final byte LF = '\n';

    // States. The extension states form one range (EXT_FIRST..EXT_LAST): their bytes are never forwarded.
    private static final int DONE = 0;
    private static final int FAILED = 1;
    private static final int LENGTH = 2;
    private static final int UNTIL_CLOSE = 3;
    private static final int DATA = 4;
    private static final int DATA_CR = 5;
    private static final int DATA_LF = 6;
    private static final int SIZE = 7;
    private static final int SIZE_LF = 8;
    /** Whitespace after the digits: only {@code ;} may follow. */
    private static final int SIZE_BWS = 9;
    private static final int EXT_NAME_BWS = 10;
    private static final int EXT_NAME = 11;
    /** Whitespace after an ext-name: {@code =} or {@code ;} may follow. */
    private static final int EXT_NAME_END_BWS = 12;
    private static final int EXT_VALUE_BWS = 13;
    private static final int EXT_TOKEN = 14;
    private static final int EXT_QUOTED = 15;
    private static final int EXT_QUOTED_PAIR = 16;
    private static final int EXT_QUOTED_END = 17;
    /** Whitespace after an ext-val: only {@code ;} may follow. */
    private static final int EXT_VALUE_END_BWS = 18;
    private static final int TRAILER_LINE = 19;
    private static final int TRAILER_NAME = 20;
    private static final int TRAILER_VALUE = 21;
    private static final int TRAILER_LF = 22;
    private static final int END_LF = 23;
    private static final int EXT_FIRST = SIZE_BWS;
    private static final int EXT_LAST = EXT_VALUE_END_BWS;

    /** Hex digit values, -1 for other bytes. */
    private static final byte[] HEX = new byte[256];
    /** RFC 9110 tchar. */
    private static final boolean[] TCHAR = new boolean[256];
    /** Field value bytes: SP, HTAB, VCHAR, obs-text. */
    private static final boolean[] FIELD_VALUE = new boolean[256];
    /** Quoted-string qdtext: HTAB, SP, VCHAR but {@code "} and {@code \}, obs-text. */
    private static final boolean[] QDTEXT = new boolean[256];

    static {
        for (int b = 0; b < 256; b++) {
            HEX[b] = (byte) Character.digit(b, 16);
            boolean vchar = b >= 0x21 && b != 0x7f;
            FIELD_VALUE[b] = vchar || b == ' ' || b == '\t';
            QDTEXT[b] = FIELD_VALUE[b] && b != '"' && b != '\\';
            TCHAR[b] = (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z')
                    || "!#$%&'*+-.^_`|~".indexOf(b) >= 0;
        }
    }

    private final int maxChunkLineLength;
    private final int maxTrailerSize;

    private int state = DONE;
    private boolean keepFraming;
    private String problem;
    /** Body bytes still expected (LENGTH), or chunk data bytes still expected (DATA). */
    private long remaining;
    private long dataBytes;
    /** The chunk size read so far, and its digit count. */
    private long size;
    private int digits;
    /** Bytes of the current size line before its CR. */
    private int lineLength;
    /** Bytes of trailer field lines so far, CRLFs included. */
    private int trailerBytes;
    /** Start of the range being collected for the sink in this scan, -1 when none. */
    private int run = -1;

    /**
     * @param maxChunkLineLength the longest chunk-size line accepted, extensions included, CRLF not
     * @param maxTrailerSize     the largest trailer section accepted: its field lines with their
     *                           CRLFs, not the final empty line
     */
    public BodyFraming(int maxChunkLineLength, int maxTrailerSize) {
        this.maxChunkLineLength = maxChunkLineLength;
        this.maxTrailerSize = maxTrailerSize;
    }

    /** A body of exactly this many bytes (0: none, {@link #done()} is true at once). */
    public void expectLength(long contentLength) {
        if (contentLength < 0) {
            throw new IllegalArgumentException("negative content length " + contentLength);
        }
        reset(contentLength == 0 ? DONE : LENGTH);
        remaining = contentLength;
    }

    /**
     * A chunked body. With {@code keepFraming} the chunked bytes are forwarded as they are (size
     * lines, data, CRLFs, last chunk, trailer section, final CRLF), except the chunk extensions;
     * without it (de-chunking, for an HTTP/1.0 recipient) only the chunk data bytes are forwarded.
     */
    public void expectChunked(boolean keepFraming) {
        reset(SIZE);
        this.keepFraming = keepFraming;
        beginSizeLine();
    }

    /** A close-delimited body: everything is forwarded and it is never done; the caller ends it when the connection closes. */
    public void expectUntilClose() {
        reset(UNTIL_CLOSE);
    }

    private void reset(int first) {
        state = first;
        keepFraming = false;
        problem = null;
        remaining = 0;
        dataBytes = 0;
        trailerBytes = 0;
    }

    /**
     * Scans bytes [from, to) of {@code in} (reader and writer indexes are not touched, nothing is
     * retained or released), reporting body bytes to {@code sink}.
     *
     * @return the index just past the end of the body when it ends within the range (then
     *         {@link #done()} is true; the bytes after it belong to the next message and are not
     *         reported; {@code from} if the body had already ended), {@code to} when the whole range
     *         belonged to the body and more is expected, or -1 when the framing is malformed (then
     *         {@link #problem()} says why; ranges reported by this call must not be forwarded either,
     *         although the run the malformed byte belongs to is never reported)
     */
    public int scan(ByteBuf in, int from, int to, Sink sink) {
        if (state == FAILED) {
            return -1;
        }
        run = -1;
        int i = from;
        while (i < to) {
            switch (state) {
                case LENGTH, DATA -> {
                    // Body bytes are counted, not looked at.
                    int n = (int) Math.min(remaining, to - i);
                    keep(i);
                    i += n;
                    remaining -= n;
                    dataBytes += n;
                    if (remaining == 0) {
                        state = state == LENGTH ? DONE : DATA_CR;
                    }
                }
                case UNTIL_CLOSE -> {
                    keep(i);
                    dataBytes += to - i;
                    i = to;
                }
                case DONE -> {
                    drop(i, sink); // the run collected so far goes out
                    return i;
                }
                default -> {
                    i = framing(in, i, to, sink);
                    if (i < 0) {
                        run = -1; // the malformed message's last bytes go nowhere
                        return -1;
                    }
                }
            }
        }
        drop(i, sink); // the run collected so far goes out
        return i;
    }

    /** Reads framing bytes from {@code i} until the state leaves the framing or the range ends; -1 when malformed. */
    private int framing(ByteBuf in, int i, int to, Sink sink) {
        while (i < to) {
            int s = state;
            if (s == DATA || s == DONE) {
                return i;
            }
            int b = in.getByte(i) & 0xff;
            if (keepFraming && (s < EXT_FIRST || s > EXT_LAST)) {
                keep(i);
            } else {
                drop(i, sink);
            }
            switch (s) {
                case DATA_CR -> {
                    if (b != CR) {
                        return fail(DATA_NOT_ENDED);
                    }
                    state = DATA_LF;
                }
                case DATA_LF -> {
                    if (b != LF) {
                        return fail(DATA_NOT_ENDED);
                    }
                    state = SIZE;
                    beginSizeLine();
                }
                case SIZE -> {
                    int digit = HEX[b];
                    if (digit >= 0) {
                        // 16 digits at most; the value must stay a non-negative long.
                        if (++digits > 16 || (size >>> 59) != 0) {
                            return fail(INVALID_SIZE);
                        }
                        size = (size << 4) | digit;
                    } else if (digits == 0) {
                        return fail(b == LF ? BARE_LF : INVALID_SIZE);
                    } else if (b == CR) {
                        state = SIZE_LF;
                    } else if (b == ';') {
                        drop(i, sink); // the extensions start here
                        state = EXT_NAME_BWS;
                    } else if (b == ' ' || b == '\t') {
                        drop(i, sink);
                        state = SIZE_BWS;
                    } else {
                        return fail(b == LF ? BARE_LF : INVALID_SIZE);
                    }
                }
                case SIZE_BWS -> {
                    if (b == ';') {
                        state = EXT_NAME_BWS;
                    } else if (b != ' ' && b != '\t') {
                        return fail(b == LF ? BARE_LF : INVALID_SIZE);
                    }
                }
                case EXT_NAME_BWS -> {
                    if (TCHAR[b]) {
                        state = EXT_NAME;
                    } else if (b != ' ' && b != '\t') {
                        return failInExtension(b);
                    }
                }
                case EXT_NAME -> {
                    if (b == '=') {
                        state = EXT_VALUE_BWS;
                    } else if (b == ';') {
                        state = EXT_NAME_BWS;
                    } else if (b == ' ' || b == '\t') {
                        state = EXT_NAME_END_BWS;
                    } else if (b == CR) {
                        endExtensions(i);
                    } else if (!TCHAR[b]) {
                        return failInExtension(b);
                    }
                }
                case EXT_NAME_END_BWS -> {
                    if (b == '=') {
                        state = EXT_VALUE_BWS;
                    } else if (b == ';') {
                        state = EXT_NAME_BWS;
                    } else if (b != ' ' && b != '\t') {
                        return failInExtension(b);
                    }
                }
                case EXT_VALUE_BWS -> {
                    if (TCHAR[b]) {
                        state = EXT_TOKEN;
                    } else if (b == '"') {
                        state = EXT_QUOTED;
                    } else if (b != ' ' && b != '\t') {
                        return failInExtension(b);
                    }
                }
                case EXT_TOKEN, EXT_QUOTED_END -> {
                    if (b == ';') {
                        state = EXT_NAME_BWS;
                    } else if (b == ' ' || b == '\t') {
                        state = EXT_VALUE_END_BWS;
                    } else if (b == CR) {
                        endExtensions(i);
                    } else if (s == EXT_QUOTED_END || !TCHAR[b]) {
                        return failInExtension(b);
                    }
                }
                case EXT_QUOTED -> {
                    if (b == '"') {
                        state = EXT_QUOTED_END;
                    } else if (b == '\\') {
                        state = EXT_QUOTED_PAIR;
                    } else if (!QDTEXT[b]) {
                        return failInExtension(b);
                    }
                }
                case EXT_QUOTED_PAIR -> {
                    if (!FIELD_VALUE[b]) {
                        return failInExtension(b);
                    }
                    state = EXT_QUOTED;
                }
                case EXT_VALUE_END_BWS -> {
                    if (b == ';') {
                        state = EXT_NAME_BWS;
                    } else if (b != ' ' && b != '\t') {
                        return failInExtension(b);
                    }
                }
                case SIZE_LF -> {
                    if (b != LF) {
                        return fail(BARE_CR);
                    }
                    if (size == 0) {
                        state = TRAILER_LINE;
                    } else {
                        state = DATA;
                        remaining = size;
                    }
                }
                case TRAILER_LINE -> {
                    if (b == CR) {
                        state = END_LF;
                    } else if (TCHAR[b]) {
                        state = TRAILER_NAME; // anything else, obs-fold whitespace included, is no field line
                    } else {
                        return fail(INVALID_TRAILER);
                    }
                }
                case TRAILER_NAME -> {
                    if (b == ':') {
                        state = TRAILER_VALUE;
                    } else if (!TCHAR[b]) {
                        return fail(INVALID_TRAILER);
                    }
                }
                case TRAILER_VALUE -> {
                    if (b == CR) {
                        state = TRAILER_LF;
                    } else if (!FIELD_VALUE[b]) {
                        return fail(INVALID_TRAILER);
                    }
                }
                case TRAILER_LF -> {
                    if (b != LF) {
                        return fail(INVALID_TRAILER);
                    }
                    state = TRAILER_LINE;
                }
                case END_LF -> {
                    if (b != LF) {
                        return fail(INVALID_TRAILER);
                    }
                    state = DONE;
                }
                default -> throw new IllegalStateException("state " + s);
            }
            // A size line's length leaves out its CRLF; the trailer section's counts its field lines' CRLFs.
            if (s >= SIZE && s <= EXT_LAST && s != SIZE_LF && b != CR && ++lineLength > maxChunkLineLength) {
                return fail(LINE_TOO_LONG);
            }
            if (s >= TRAILER_LINE && s <= TRAILER_LF && state != END_LF && ++trailerBytes > maxTrailerSize) {
                return fail(TRAILERS_TOO_LARGE);
            }
            i++;
        }
        return i;
    }

    /** The CR ending a size line with extensions: forwarded again from here. */
    private void endExtensions(int i) {
        if (keepFraming) {
            keep(i);
        }
        state = SIZE_LF;
    }

    private void beginSizeLine() {
        size = 0;
        digits = 0;
        lineLength = 0;
    }

    private int failInExtension(int b) {
        return fail(b == LF ? BARE_LF : INVALID_EXTENSION);
    }

    private int fail(String why) {
        state = FAILED;
        problem = why;
        return -1;
    }

    private void keep(int i) {
        if (run < 0) {
            run = i;
        }
    }

    private void drop(int i, Sink sink) {
        if (run >= 0) {
            if (run < i) {
                sink.forward(run, i);
            }
            run = -1;
        }
    }

    /** Whether the body has ended (always false for a close-delimited body, and after a malformed one). */
    public boolean done() {
        return state == DONE;
    }

    /** Why the framing is malformed, a short phrase for a 400 error message; null while it is not. */
    public String problem() {
        return problem;
    }

    /** Bytes of body data (chunk data, or length- or close-delimited body bytes) seen so far in this message. */
    public long dataBytes() {
        return dataBytes;
    }
}
