package io.canarybalancer.balancer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersEncoder;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A frame-level HTTP/2 client (prior knowledge, cleartext) on a plain socket, for tests that must say
 * exactly which frames go out (floods, resets, a stream whose window is never opened) and see every frame
 * that comes back. Frames are written by hand, 9-byte header and payload; header blocks are HPACK-coded by
 * Netty's encoder and decoder. A reader thread parses the server's frames, acknowledges its SETTINGS and
 * PINGs and gives back the bytes of every DATA frame to the connection window and, unless the stream
 * holds its window ({@link #open(Http2Headers, boolean, boolean)}), to the stream's; the client's own DATA waits for
 * the server's windows.
 */
public final class RawH2 implements AutoCloseable {
    public static final int DATA = 0;
    public static final int HEADERS = 1;
    public static final int RST_STREAM = 3;
    public static final int SETTINGS = 4;
    public static final int PING = 6;
    public static final int GOAWAY = 7;
    public static final int WINDOW_UPDATE = 8;
    public static final int CONTINUATION = 9;
    public static final int END_STREAM = 0x1;
    public static final int ACK = 0x1;
    public static final int END_HEADERS = 0x4;
    public static final int PADDED = 0x8;
    public static final int PRIORITY = 0x20;
    public static final long NO_ERROR = 0x0;
    public static final long PROTOCOL_ERROR = 0x1;
    public static final long REFUSED_STREAM = 0x7;
    public static final long CANCEL = 0x8;
    public static final long ENHANCE_YOUR_CALM = 0xb;
    public static final int SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;
    public static final int SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    /** What the client adds to its connection receive window at once, so only stream windows hold data back. */
    private static final int CONNECTION_WINDOW_BOOST = 64 * 1024 * 1024;
    private static final int MAX_FRAME = 16_384;

    private final int port;
    private final Socket socket;
    private final OutputStream out;
    private final Http2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder(Http2HeadersEncoder.NEVER_SENSITIVE, true);
    private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);
    private final Map<Integer, Stream> streams = new ConcurrentHashMap<>();
    private final CompletableFuture<Map<Integer, Long>> serverSettings = new CompletableFuture<>();
    private final CompletableFuture<GoAway> goAway = new CompletableFuture<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private long pingAcks; // guarded by this
    /** Orders stream ids and HPACK state with the bytes on the wire; never held while waiting for the reader. */
    private final Object encoding = new Object();
    private int nextStreamId = 1;
    // Send windows, guarded by this (the reader thread raises them, writers wait on them).
    private long connectionSendWindow = 65_535;
    private long initialStreamSendWindow = 65_535;

    private RawH2(int port) throws IOException {
        this.port = port;
        this.socket = new Socket("127.0.0.1", port);
        socket.setTcpNoDelay(true);
        this.out = socket.getOutputStream();
    }

    /** Starts reading the server's frames; only after the preface, as the reader answers SETTINGS with an ACK. */
    private void startReading() {
        Thread reader = new Thread(this::readFrames, "raw-h2-reader-" + port);
        reader.setDaemon(true);
        reader.start();
    }

    /** Connects and sends the preface, an empty SETTINGS frame and a large connection WINDOW_UPDATE. */
    public static RawH2 connect(int port) throws IOException {
        RawH2 client = new RawH2(port);
        ByteArrayOutputStream start = new ByteArrayOutputStream();
        start.writeBytes(PREFACE);
        start.writeBytes(frame(SETTINGS, 0, 0, new byte[0]));
        start.writeBytes(windowUpdate(0, CONNECTION_WINDOW_BOOST));
        client.write(start.toByteArray());
        client.startReading();
        return client;
    }

    // ---- streams

    /** A GET on a new stream, ended with its HEADERS frame; {@code headers} are name, value pairs. */
    public Stream get(String path, String... headers) throws IOException {
        return open(requestHeaders("GET", path, headers), true);
    }

    /** A request with this body on a new stream, its DATA sent as the server's windows allow. */
    public Stream send(String method, String path, byte[] body, String... headers)
            throws IOException, InterruptedException {
        Stream stream = open(requestHeaders(method, path, headers), body.length == 0);
        if (body.length > 0) {
            sendData(stream.id, body, true);
        }
        return stream;
    }

    /** The pseudo-headers of a request to this client's port, plus {@code headers} (name, value pairs). */
    public Http2Headers requestHeaders(String method, String path, String... headers) {
        Http2Headers h2 = new DefaultHttp2Headers().method(method).scheme("http").authority("127.0.0.1:" + port).path(path);
        for (int i = 0; i < headers.length; i += 2) {
            h2.add(headers[i].toLowerCase(java.util.Locale.ROOT), headers[i + 1]);
        }
        return h2;
    }

    /** Opens the next client stream with one HEADERS frame carrying these headers. */
    public Stream open(Http2Headers headers, boolean endStream) throws IOException {
        return open(headers, endStream, false);
    }

    /**
     * Opens the next client stream with one HEADERS frame; with {@code holdWindow} its receive window is
     * never opened again (until {@link Stream#openWindow}): a client that does not read this stream.
     */
    public Stream open(Http2Headers headers, boolean endStream, boolean holdWindow) throws IOException {
        synchronized (encoding) {
            int id = nextStreamId;
            nextStreamId += 2;
            Stream stream = new Stream(id);
            stream.holdWindow = holdWindow;
            streams.put(id, stream);
            // HPACK state is shared by the connection: encode and write in wire order, under one lock.
            write(frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), id, headerBlock(id, headers)));
            return stream;
        }
    }

    /** Takes the next client stream id without sending anything, for hand-made frames. */
    public int nextStreamId() {
        synchronized (encoding) {
            int id = nextStreamId;
            nextStreamId += 2;
            return id;
        }
    }

    /** The HPACK block of {@code headers}; encoding changes the connection's HPACK state, so send it next. */
    public byte[] headerBlock(int streamId, Http2Headers headers) {
        ByteBuf buffer = Unpooled.buffer();
        try {
            synchronized (encoding) {
                encoder.encodeHeaders(streamId, headers, buffer);
            }
            byte[] bytes = new byte[buffer.readableBytes()];
            buffer.readBytes(bytes);
            return bytes;
        } catch (Http2Exception e) {
            throw new IllegalStateException(e);
        } finally {
            buffer.release();
        }
    }

    /** Sends {@code body} on a stream in frames the server's connection and stream windows allow. */
    public void sendData(int streamId, byte[] body, boolean endStream) throws IOException, InterruptedException {
        Stream stream = streams.get(streamId);
        int offset = 0;
        do {
            int n;
            byte[] frame;
            // The windows are taken under the lock; the write happens outside it, so the reader thread
            // (which needs the lock to raise windows) never waits behind a blocked write.
            synchronized (this) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (body.length > offset && (connectionSendWindow <= 0 || stream.sendWindow <= 0)) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0 || closed.isDone()) {
                        throw new IOException("no send window from the server for stream " + streamId);
                    }
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                }
                n = (int) Math.min(Math.min(MAX_FRAME, body.length - offset),
                        Math.min(connectionSendWindow, stream.sendWindow));
                connectionSendWindow -= n;
                stream.sendWindow -= n;
                boolean last = offset + n == body.length;
                byte[] payload = java.util.Arrays.copyOfRange(body, offset, offset + n);
                frame = frame(DATA, last && endStream ? END_STREAM : 0, streamId, payload);
            }
            write(frame);
            offset += n;
        } while (offset < body.length);
    }

    /** Resets a stream with this error code. */
    public void reset(int streamId, long errorCode) throws IOException {
        write(frame(RST_STREAM, 0, streamId, ByteBuffer.allocate(4).putInt((int) errorCode).array()));
    }

    // ---- raw frames

    /** One frame's bytes: length, type, flags, stream id, payload. */
    public static byte[] frame(int type, int flags, int streamId, byte[] payload) {
        ByteBuffer frame = ByteBuffer.allocate(9 + payload.length);
        frame.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8)).put((byte) payload.length);
        frame.put((byte) type).put((byte) flags).putInt(streamId & 0x7fffffff).put(payload);
        return frame.array();
    }

    public static byte[] windowUpdate(int streamId, int increment) {
        return frame(WINDOW_UPDATE, 0, streamId, ByteBuffer.allocate(4).putInt(increment).array());
    }

    public static byte[] ping() {
        return frame(PING, 0, 0, new byte[8]);
    }

    /**
     * Waits (bounded) until the server has acknowledged {@code count} PINGs in all, or the connection ended;
     * true if it acknowledged them.
     */
    public boolean awaitPingAcks(long count, Duration bound) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        synchronized (this) {
            while (pingAcks < count && !closed.isDone() && !goAway.isDone()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return pingAcks >= count;
        }
    }

    public static byte[] rstStream(int streamId, long errorCode) {
        return frame(RST_STREAM, 0, streamId, ByteBuffer.allocate(4).putInt((int) errorCode).array());
    }

    /** Writes bytes as they are (frames made by hand). */
    public void write(byte[] bytes) throws IOException {
        synchronized (out) {
            out.write(bytes);
            out.flush();
        }
    }

    /**
     * Writes chunks from {@code next} until it returns null, the server stops taking them (it sent GOAWAY,
     * closed the connection or a write failed) or {@code bound} has passed (the socket is then closed here, so a write
     * blocked on a server that stopped reading but kept the connection cannot hang the test).
     */
    public Flood flood(Supplier<byte[]> next, Duration bound) {
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor();
        AtomicBoolean timedOut = new AtomicBoolean();
        watchdog.schedule(() -> {
            timedOut.set(true);
            closeQuietly();
        }, bound.toMillis(), TimeUnit.MILLISECONDS);
        long chunks = 0;
        boolean refused = false;
        try {
            for (byte[] chunk = next.get(); chunk != null; chunk = next.get()) {
                // Loopback socket buffers hold megabytes: without this check a whole flood can be written
                // after the server has already sent GOAWAY and closed.
                if (goAway.isDone() || closed.isDone()) {
                    break;
                }
                write(chunk);
                chunks++;
            }
        } catch (IOException e) {
            refused = true; // the server closed the connection, or the watchdog did
        } finally {
            watchdog.shutdownNow();
        }
        boolean ended = refused || goAway.isDone() || closed.isDone();
        return new Flood(chunks, ended && !timedOut.get(), timedOut.get());
    }

    /**
     * How a flood ended: what was surely written (socket writes, or the attack's own unit once it
     * {@linkplain #counting counts}), whether a write failed because the server closed the connection,
     * whether the time bound ran out first.
     */
    public record Flood(long written, boolean stoppedByServer, boolean boundReached) {
        /** Everything was written: the server neither closed nor stalled the client. */
        public boolean finished() {
            return !stoppedByServer && !boundReached;
        }

        public Flood counting(long units) {
            return new Flood(units, stoppedByServer, boundReached);
        }
    }

    // ---- what came back

    public record GoAway(int lastStreamId, long errorCode, String debugData) {
    }

    /** The server's GOAWAY, when one comes; null if the connection ended without one being read. */
    public CompletableFuture<GoAway> goAway() {
        return goAway;
    }

    /**
     * Waits (at most 10 s) for the server to close the connection and returns its GOAWAY, or null when
     * none could be read: a server that closes with bytes of ours still unread sends a TCP reset, which
     * can reach this client before the GOAWAY frame is read and discard it.
     */
    public GoAway awaitEnd() {
        closed.orTimeout(10, TimeUnit.SECONDS).join();
        return goAway.join();
    }

    /** Completes when the server closes the connection (or this client does). */
    public CompletableFuture<Void> closed() {
        return closed;
    }

    /** The server's first SETTINGS frame: identifier to value. */
    public Map<Integer, Long> serverSettings() {
        return serverSettings.orTimeout(10, TimeUnit.SECONDS).join();
    }

    private Stream stream(int id) {
        return streams.computeIfAbsent(id, Stream::new);
    }

    @Override
    public void close() {
        closeQuietly();
    }

    private void closeQuietly() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    private void readFrames() {
        try (DataInputStream in = new DataInputStream(socket.getInputStream())) {
            byte[] block = null;
            int blockStream = 0;
            int blockFlags = 0;
            while (true) {
                int length = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
                int type = in.readUnsignedByte();
                int flags = in.readUnsignedByte();
                int streamId = in.readInt() & 0x7fffffff;
                byte[] payload = new byte[length];
                in.readFully(payload);
                switch (type) {
                    case DATA -> onData(streamId, flags, payload);
                    case HEADERS -> {
                        int start = 0;
                        int end = payload.length;
                        if ((flags & PADDED) != 0) {
                            end -= payload[0] & 0xff;
                            start = 1;
                        }
                        if ((flags & PRIORITY) != 0) {
                            start += 5;
                        }
                        block = java.util.Arrays.copyOfRange(payload, start, end);
                        blockStream = streamId;
                        blockFlags = flags;
                        if ((flags & END_HEADERS) != 0) {
                            onHeaders(blockStream, blockFlags, block);
                        }
                    }
                    case CONTINUATION -> {
                        byte[] more = new byte[block.length + payload.length];
                        System.arraycopy(block, 0, more, 0, block.length);
                        System.arraycopy(payload, 0, more, block.length, payload.length);
                        block = more;
                        if ((flags & END_HEADERS) != 0) {
                            onHeaders(blockStream, blockFlags, block);
                        }
                    }
                    case RST_STREAM -> stream(streamId).reset(ByteBuffer.wrap(payload).getInt() & 0xffffffffL);
                    case SETTINGS -> onSettings(flags, payload);
                    case PING -> {
                        if ((flags & ACK) == 0) {
                            write(frame(PING, ACK, 0, payload));
                        } else {
                            synchronized (this) {
                                pingAcks++;
                                notifyAll();
                            }
                        }
                    }
                    case GOAWAY -> {
                        ByteBuffer goaway = ByteBuffer.wrap(payload);
                        int last = goaway.getInt() & 0x7fffffff;
                        long code = goaway.getInt() & 0xffffffffL;
                        goAway.complete(new GoAway(last, code,
                                new String(payload, 8, payload.length - 8, StandardCharsets.UTF_8)));
                    }
                    case WINDOW_UPDATE -> onWindowUpdate(streamId, ByteBuffer.wrap(payload).getInt() & 0x7fffffff);
                    default -> {
                        // PUSH_PROMISE is off by default for servers; unknown frames are ignored (RFC 9113 5.5)
                    }
                }
            }
        } catch (EOFException e) {
            // the server closed the connection
        } catch (IOException | Http2Exception e) {
            // reset or closed by us
        } finally {
            closed.complete(null);
            streams.values().forEach(Stream::connectionClosed);
            goAway.complete(null); // none came: awaitEnd() and goAway() say so with null
            synchronized (this) {
                notifyAll();
            }
        }
    }

    private void onData(int streamId, int flags, byte[] payload) throws IOException {
        int start = 0;
        int end = payload.length;
        if ((flags & PADDED) != 0) {
            end -= payload[0] & 0xff;
            start = 1;
        }
        Stream stream = stream(streamId);
        stream.data(payload, start, end - start);
        if (payload.length > 0) {
            ByteArrayOutputStream updates = new ByteArrayOutputStream();
            updates.writeBytes(windowUpdate(0, payload.length));
            if (!stream.holdWindow && (flags & END_STREAM) == 0) {
                updates.writeBytes(windowUpdate(streamId, payload.length));
            }
            write(updates.toByteArray());
        }
        if ((flags & END_STREAM) != 0) {
            stream.end();
        }
    }

    private void onHeaders(int streamId, int flags, byte[] block) throws Http2Exception {
        ByteBuf buffer = Unpooled.wrappedBuffer(block);
        Http2Headers headers = decoder.decodeHeaders(streamId, buffer);
        Stream stream = stream(streamId);
        stream.headers(headers);
        if ((flags & END_STREAM) != 0) {
            stream.end();
        }
    }

    private void onSettings(int flags, byte[] payload) throws IOException {
        if ((flags & ACK) != 0) {
            return;
        }
        Map<Integer, Long> settings = new ConcurrentHashMap<>();
        ByteBuffer entries = ByteBuffer.wrap(payload);
        while (entries.remaining() >= 6) {
            settings.put(entries.getShort() & 0xffff, entries.getInt() & 0xffffffffL);
        }
        synchronized (this) {
            Long window = settings.get(SETTINGS_INITIAL_WINDOW_SIZE);
            if (window != null) {
                long delta = window - initialStreamSendWindow;
                initialStreamSendWindow = window;
                streams.values().forEach(stream -> stream.sendWindow += delta);
            }
            notifyAll();
        }
        // The ACK goes out before anyone learns the settings, so frames sent after serverSettings() find
        // them in force at the server (a server applies its own settings once they are acknowledged).
        write(frame(SETTINGS, ACK, 0, new byte[0]));
        serverSettings.complete(settings);
    }

    private void onWindowUpdate(int streamId, int increment) {
        synchronized (this) {
            if (streamId == 0) {
                connectionSendWindow += increment;
            } else {
                stream(streamId).sendWindow += increment;
            }
            notifyAll();
        }
    }

    /** One stream's answer as it arrives: head, body, end or reset. */
    public final class Stream {
        private final int id;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private final CompletableFuture<Stream> done = new CompletableFuture<>();
        private final CompletableFuture<Http2Headers> head = new CompletableFuture<>();
        private final AtomicLong bodyBytes = new AtomicLong();
        private volatile Long resetCode;
        private volatile boolean holdWindow;
        private long sendWindow; // guarded by RawH2.this

        private Stream(int id) {
            this.id = id;
            synchronized (RawH2.this) {
                this.sendWindow = initialStreamSendWindow;
            }
        }

        public int id() {
            return id;
        }

        /** Gives back {@code bytes} of this stream's window (a client that reads again). */
        public void openWindow(int bytes) throws IOException {
            holdWindow = false;
            write(windowUpdate(id, bytes));
        }

        /** Waits (at most 30 s) for the stream to end or be reset and returns it. */
        public Stream await() {
            return done.orTimeout(30, TimeUnit.SECONDS).join();
        }

        public CompletableFuture<Stream> done() {
            return done;
        }

        public int status() {
            Http2Headers headers = head.getNow(null);
            return headers == null || headers.status() == null ? -1 : Integer.parseInt(headers.status().toString());
        }

        public String header(String name) {
            Http2Headers headers = head.getNow(null);
            CharSequence value = headers == null ? null : headers.get(name);
            return value == null ? null : value.toString();
        }

        public String pool() {
            return header("x-canary-pool");
        }

        public synchronized byte[] body() {
            return body.toByteArray();
        }

        public String bodyText() {
            return new String(body(), StandardCharsets.UTF_8);
        }

        public long bodyBytes() {
            return bodyBytes.get();
        }

        /** The RST_STREAM error code the server sent, or null. */
        public Long resetCode() {
            return resetCode;
        }

        private synchronized void data(byte[] bytes, int offset, int length) {
            body.write(bytes, offset, length);
            bodyBytes.addAndGet(length);
        }

        private void headers(Http2Headers headers) {
            head.complete(headers); // a second block is trailers, which no test here reads
        }

        private void end() {
            done.complete(this);
        }

        private void reset(long code) {
            resetCode = code;
            done.complete(this);
        }

        private void connectionClosed() {
            done.completeExceptionally(new UncheckedIOException(
                    new IOException("connection closed before stream " + id + " ended")));
        }
    }
}
