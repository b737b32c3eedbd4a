package io.canarybalancer.balancer.proxy.http1;

import io.netty.buffer.ByteBuf;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Collects one message head (start line and header section) from the bytes of a connection, in a
 * byte array the scanners then read without bounds checks or reference counting. It checks the
 * line structure as the bytes arrive: every line ends in CRLF (a bare CR or LF is refused, so no two
 * readers can disagree on where a line ends), the start line is at most {@code maxStartLine} bytes
 * and the header section at most {@code maxFieldSection}. Empty lines before the start line are
 * skipped, as RFC 9112 section 2.2 asks of a server.
 *
 * <p>One instance per connection direction, {@linkplain #reset() reset} after each head; the array
 * grows from a small size to the limits only for heads that need it.
 */
public final class HeadBuffer {
    /** {@link #append} needs more bytes. */
    public static final int MORE = -1;
    /** {@link #append} found the head malformed or too large: see {@link #status()} and {@link #problem()}. */
    public static final int FAILED = -2;

    private static final int INITIAL_CAPACITY = 1024;
    /** The least copied at a time. */
    private static final int STEP = 512;
    /** Eight bytes of a byte array read as one little-endian long. */
    static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long LOW_SEVEN = 0x7F7F7F7F7F7F7F7FL;
    private static final long LFS = 0x0A0A0A0A0A0A0A0AL;
    private static final long CRS = 0x0D0D0D0D0D0D0D0DL;

    private final int maxStartLine;
    private final int maxFieldSection;
    private final int maxHead;
    private final int startLineStatus;
    private byte[] bytes = new byte[INITIAL_CAPACITY];
    /** Bytes held. */
    private int length;
    /** Bytes checked so far. */
    private int scanned;
    /** Where the start line begins (after skipped empty lines). */
    private int start;
    /** Just past the start line's CRLF, or -1 while it is incomplete. */
    private int startLineEnd = -1;
    /** Where the line being checked begins. */
    private int lineStart;
    /** Just past the empty line that ends the head, or -1. */
    private int end = -1;
    private int status;
    private String problem;

    /**
     * @param maxStartLine    the longest start line accepted
     * @param maxFieldSection the largest header section accepted, line ends included
     * @param startLineStatus the status of a start line over the limit (414 for a request, 502 for a response)
     */
    public HeadBuffer(int maxStartLine, int maxFieldSection, int startLineStatus) {
        this.maxStartLine = maxStartLine;
        this.maxFieldSection = maxFieldSection;
        this.maxHead = maxStartLine + maxFieldSection + 4;
        this.startLineStatus = startLineStatus;
    }

    /**
     * Takes bytes {@code [from, to)} of {@code in} (its indexes untouched) until the head is complete.
     *
     * @return the index in {@code in} just past the head when it ended there (the bytes after it are
     *         not part of it), {@link #MORE} when all were taken and the head goes on, or {@link #FAILED}
     */
    public int append(ByteBuf in, int from, int to) {
        if (end >= 0 || status != 0) {
            throw new IllegalStateException("reset() before the next head");
        }
        // In steps no larger than the free part of the array: body bytes after a small head are
        // neither copied in bulk nor allowed to grow the array.
        for (int at = from; at < to; ) {
            int room = maxHead - length;
            if (room == 0) {
                break;
            }
            int count = Math.min(to - at, Math.min(room, Math.max(STEP, bytes.length - length)));
            ensureCapacity(length + count);
            in.getBytes(at, bytes, length, count);
            int before = length;
            length += count;
            int found = scan();
            if (found >= 0) {
                return at + (found - before);
            }
            if (found == FAILED) {
                return FAILED;
            }
            at += count;
        }
        if (length >= maxHead) {
            return fail(startLineEnd < 0 ? startLineStatus : 431,
                    startLineEnd < 0 ? "the start line is too long" : "the header section is too large");
        }
        return MORE;
    }

    /**
     * Checks the bytes not checked yet, jumping from one CR or LF to the next (found eight bytes at a
     * time): a CR must be followed by LF, an LF preceded by CR; the line lengths are checked at each
     * line end, and at the last byte held while a line is incomplete.
     */
    private int scan() {
        byte[] b = bytes;
        int i = scanned;
        while (true) {
            int next = nextCrOrLf(b, i, length);
            int base = startLineEnd < 0 ? start : startLineEnd;
            int limit = (startLineEnd < 0 ? maxStartLine : maxFieldSection) + 2;
            if ((next < length ? next : length - 1) - base >= limit) {
                return tooLong();
            }
            if (next == length) {
                scanned = length;
                return MORE;
            }
            if (b[next] == '\n') {
                return fail(400, "a line ended by a bare LF"); // a CR and its LF are taken together
            }
            if (next + 1 == length) {
                scanned = next; // the CR's LF has not arrived yet
                return MORE;
            }
            if (next + 1 - base >= limit) {
                return tooLong();
            }
            if (b[next + 1] != '\n') {
                return fail(400, "a bare CR in the head");
            }
            int lf = next + 1;
            int lineLength = next - lineStart;
            if (startLineEnd < 0) {
                if (lineLength == 0) {
                    start = lf + 1; // an empty line before the start line
                } else {
                    startLineEnd = lf + 1;
                }
            } else if (lineLength == 0) {
                end = lf + 1;
                scanned = end;
                return end;
            }
            lineStart = lf + 1;
            i = lf + 1;
        }
    }

    private int tooLong() {
        return startLineEnd < 0 ? fail(startLineStatus, "the start line is too long")
                : fail(431, "the header section is too large");
    }

    /** The index of the first CR or LF in {@code b} from {@code from}, or {@code to}. */
    static int nextCrOrLf(byte[] b, int from, int to) {
        int i = from;
        for (; i + Long.BYTES <= to; i += Long.BYTES) {
            long word = (long) LONGS.get(b, i);
            long found = zeroBytes(word ^ LFS) | zeroBytes(word ^ CRS);
            if (found != 0) {
                return i + (Long.numberOfTrailingZeros(found) >>> 3);
            }
        }
        for (; i < to; i++) {
            if (b[i] == '\n' || b[i] == '\r') {
                return i;
            }
        }
        return to;
    }

    /** The high bit of each byte of {@code word} that is zero, and no other bit (exact, no borrow). */
    static long zeroBytes(long word) {
        long low = (word & LOW_SEVEN) + LOW_SEVEN;
        return ~(low | word | LOW_SEVEN);
    }

    private int fail(int status, String problem) {
        this.status = status;
        this.problem = problem;
        return FAILED;
    }

    private void ensureCapacity(int needed) {
        if (needed > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.min(maxHead, Math.max(needed, bytes.length * 2)));
        }
    }

    /** Forgets the head, keeping the array for the next one. */
    public void reset() {
        length = 0;
        scanned = 0;
        start = 0;
        startLineEnd = -1;
        lineStart = 0;
        end = -1;
        status = 0;
        problem = null;
    }

    /** Whether any byte of a head (or of empty lines before it) has been taken. */
    public boolean started() {
        return length > 0;
    }

    /** Whether the start line is complete (it can be checked before the rest arrives). */
    public boolean hasStartLine() {
        return startLineEnd >= 0;
    }

    public boolean complete() {
        return end >= 0;
    }

    /** The bytes held; valid from {@link #start()} to {@link #end()}. */
    public byte[] bytes() {
        return bytes;
    }

    public int start() {
        return start;
    }

    /** Just past the start line's CRLF. */
    public int startLineEnd() {
        return startLineEnd;
    }

    /** Just past the final empty line. */
    public int end() {
        return end;
    }

    /** The status to answer a failed head with: 400, 431, or the start line's own. */
    public int status() {
        return status;
    }

    public String problem() {
        return problem;
    }
}
