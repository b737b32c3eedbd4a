package io.canarybalancer.balancer;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One JDK WebSocket ({@code java.net.http.WebSocket}) with what it received kept for a test: whole
 * text and binary messages in arrival order, and how it ended (a close from the other side, or an
 * error). By default it asks for each next message as soon as one arrives; a slow reader asks for
 * nothing by itself, and the test gives demand with {@link #request(long)}.
 */
public final class WebSocketClient implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private final Listener listener;
    private final WebSocket socket;

    private WebSocketClient(Listener listener, WebSocket socket) {
        this.listener = listener;
        this.socket = socket;
    }

    /** Opens a WebSocket to {@code uri} with these extra request headers (name, value, ...). */
    public static WebSocketClient open(URI uri, String... headers) {
        return opened(openAsync(uri, true, headers));
    }

    /** Opens a WebSocket that reads only as far as {@link #request(long)} allows. */
    public static WebSocketClient openSlowReader(URI uri, String... headers) {
        return opened(openAsync(uri, false, headers));
    }

    /** Waits for the handshake; a refused one fails with the status it got instead of 101. */
    private static WebSocketClient opened(CompletableFuture<WebSocketClient> opening) {
        try {
            return opening.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException refused) {
                throw new AssertionError("the upgrade was answered " + refused.getResponse().statusCode()
                        + " instead of 101 Switching Protocols", refused);
            }
            throw e;
        }
    }

    /** Starts opening; the future fails (with a {@link java.net.http.WebSocketHandshakeException}) when refused. */
    public static CompletableFuture<WebSocketClient> openAsync(URI uri, boolean eager, String... headers) {
        WebSocket.Builder builder = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        for (int i = 0; i < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
        }
        Listener listener = new Listener(eager);
        return builder.buildAsync(uri, listener).thenApply(socket -> new WebSocketClient(listener, socket));
    }

    /** Sends one text message and waits until it is handed to the connection. */
    public WebSocketClient sendText(String text) {
        socket.sendText(text, true).join();
        return this;
    }

    /** Sends one binary message and waits until it is handed to the connection. */
    public WebSocketClient sendBinary(byte[] bytes) {
        socket.sendBinary(ByteBuffer.wrap(bytes), true).join();
        return this;
    }

    /** The next text message, waiting at most 10 s; fails if none came or the connection ended. */
    public String nextText() throws InterruptedException {
        return next(listener.texts, "text");
    }

    /** The next binary message, waiting at most 10 s; fails if none came or the connection ended. */
    public byte[] nextBinary() throws InterruptedException {
        return next(listener.binaries, "binary");
    }

    /** Fails at once when the connection has ended with nothing left to take. */
    private <T> T next(BlockingQueue<T> received, String kind) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            boolean ended = listener.ended.isDone(); // read first: a message that came before the end is kept
            T message = received.poll(50, TimeUnit.MILLISECONDS);
            if (message != null) {
                return message;
            }
            if (ended) {
                throw new AssertionError("no " + kind + " message: the connection ended (" + listener.ended.join() + ")");
            }
        }
        throw new AssertionError("no " + kind + " message within 10 s");
    }

    /** Gives a slow reader demand for {@code messages} more messages. */
    public void request(long messages) {
        socket.request(messages);
    }

    /**
     * How the connection ended as the listener saw it: {@code "close STATUS"} for a close from the
     * other side, {@code "error ..."} for a failure; incomplete while it is open. The JDK's client
     * does not always notice a connection closed under it without a close frame, so a test that
     * waits for such a close reads a raw socket instead.
     */
    public CompletableFuture<String> ended() {
        return listener.ended;
    }

    /** Closes normally (a close frame) and drops the connection if the other side does not answer. */
    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").exceptionally(failed -> null);
        }
        listener.ended.completeOnTimeout("aborted", 5, TimeUnit.SECONDS).whenComplete((how, failed) -> socket.abort());
    }

    private static final class Listener implements WebSocket.Listener {
        private final boolean eager;
        final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
        final BlockingQueue<byte[]> binaries = new LinkedBlockingQueue<>();
        final CompletableFuture<String> ended = new CompletableFuture<>();
        private final StringBuilder text = new StringBuilder();
        private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

        Listener(boolean eager) {
            this.eager = eager;
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            if (eager) {
                webSocket.request(1);
            }
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                texts.add(text.toString());
                text.setLength(0);
            }
            more(webSocket);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            byte[] part = new byte[data.remaining()];
            data.get(part);
            binary.writeBytes(part);
            if (last) {
                binaries.add(binary.toByteArray());
                binary.reset();
            } else if (!eager) {
                webSocket.request(1); // a part is not a message: a slow reader's demand counts whole ones
            }
            more(webSocket);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            ended.complete("close " + statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            ended.complete("error " + error);
        }

        private void more(WebSocket webSocket) {
            if (eager) {
                webSocket.request(1);
            }
        }
    }
}
