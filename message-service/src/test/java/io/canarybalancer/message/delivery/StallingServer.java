package io.canarybalancer.message.delivery;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server on 127.0.0.1 that reads each request's head, answers a complete response head that
 * promises a body, sends the first bytes of that body, and then sends nothing more until it is closed:
 * the stall an HTTP client's header timeout does not see.
 */
final class StallingServer implements AutoCloseable {

    private static final byte[] END_OF_HEAD = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ServerSocket listener;
    private final List<Socket> connections = new CopyOnWriteArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();

    /** @param status the status line's code, e.g. 200 */
    StallingServer(int status) throws IOException {
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> serve(status), "stalling-server");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** @return its base URL */
    URI url() {
        return URI.create("http://127.0.0.1:" + listener.getLocalPort());
    }

    /** @return how many request heads it has read (and answered with a stalled response) */
    int requests() {
        return requests.get();
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket connection : connections) {
            connection.close();
        }
    }

    private void serve(int status) {
        while (!listener.isClosed()) {
            try {
                Socket connection = listener.accept();
                connections.add(connection);
                readHead(connection.getInputStream());
                requests.incrementAndGet();
                OutputStream out = connection.getOutputStream();
                out.write(("HTTP/1.1 " + status + " Stalled\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 100\r\n\r\n{\"message\":").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                // The connection stays open, the other 89 bytes never come.
            } catch (IOException e) {
                return;
            }
        }
    }

    // The request's own body, if any, is small enough to wait in the socket's buffer unread.
    private static void readHead(InputStream in) throws IOException {
        int matched = 0;
        while (matched < END_OF_HEAD.length) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("the client closed before the end of its request head");
            }
            matched = b == END_OF_HEAD[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
    }
}
