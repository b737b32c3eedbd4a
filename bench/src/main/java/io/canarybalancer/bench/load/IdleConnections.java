package io.canarybalancer.bench.load;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens N connections to a server, sends each one keep-alive request so the server has set the
 * connection up fully, then holds them idle until standard input closes. Prints {@code open N} once
 * they are all up, so a script knows when to measure.
 *
 * <p>{@code java -cp benchmarks.jar io.canarybalancer.bench.load.IdleConnections HOST PORT N}
 */
public final class IdleConnections {

    private IdleConnections() {
    }

    public static void main(String[] args) throws IOException {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int count = Integer.parseInt(args[2]);
        byte[] request = ("GET /version HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes();
        List<Socket> sockets = new ArrayList<>(count);
        try {
            for (int i = 0; i < count; i++) {
                Socket socket = new Socket();
                socket.connect(new InetSocketAddress(host, port), 5_000);
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(request);
                sockets.add(socket);
            }
            for (Socket socket : sockets) {
                // read the start of the answer: the exchange is done and the connection idle
                if (socket.getInputStream().read(new byte[512]) < 0) {
                    throw new IOException("connection closed by the server");
                }
            }
            System.out.println("open " + sockets.size());
            System.out.flush();
            while (System.in.read() >= 0) {
                // hold until the caller closes our standard input
            }
        } finally {
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }
}
