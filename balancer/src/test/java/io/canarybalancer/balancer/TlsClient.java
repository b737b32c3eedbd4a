package io.canarybalancer.balancer;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * One HTTPS request over a connection of its own, with the JDK's TLS client, reporting what the
 * handshake settled (protocol, ALPN, the server's certificate) besides the answer. A fresh
 * {@link SSLContext} per call means no session is resumed, so each call sees the certificate the
 * balancer serves now.
 */
public final class TlsClient {
    private final ContextSource contexts;
    private String serverName;
    private List<String> protocols = List.of();
    private List<String> alpn = List.of();

    /** Makes the client context of each connection. */
    public interface ContextSource {
        SSLContext get() throws Exception;
    }

    public TlsClient(ContextSource contexts) {
        this.contexts = contexts;
    }

    /** Sends this SNI name (default: none). */
    public TlsClient serverName(String name) {
        this.serverName = name;
        return this;
    }

    /** Offers only these protocol versions, such as {@code TLSv1.2}. */
    public TlsClient protocols(String... versions) {
        this.protocols = List.of(versions);
        return this;
    }

    /** Offers these ALPN protocols. */
    public TlsClient alpn(String... names) {
        this.alpn = List.of(names);
        return this;
    }

    public record Answer(int status, String head, String body, String protocol, String applicationProtocol,
                         String serial) {
    }

    /** A connection whose handshake is done, for a test to speak HTTP over as it likes. */
    public SSLSocket connect(int port) throws Exception {
        SSLSocket socket = (SSLSocket) contexts.get().getSocketFactory().createSocket();
        try {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(30_000);
            SSLParameters parameters = socket.getSSLParameters();
            if (serverName != null) {
                parameters.setServerNames(List.of(new SNIHostName(serverName)));
            }
            if (!protocols.isEmpty()) {
                parameters.setProtocols(protocols.toArray(String[]::new));
            }
            if (!alpn.isEmpty()) {
                parameters.setApplicationProtocols(alpn.toArray(String[]::new));
            }
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            return socket;
        } catch (Exception e) {
            socket.close();
            throw e;
        }
    }

    /** The serial of the certificate the server showed on this connection. */
    public static String serial(SSLSocket socket) throws Exception {
        return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber().toString(16);
    }

    /** {@code GET path} with {@code Connection: close}; the whole answer, read to the end. */
    public Answer get(int port, String path) throws Exception {
        try (SSLSocket socket = connect(port)) {
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + (serverName == null ? "localhost"
                    : serverName) + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String text = new String(readAll(socket.getInputStream()), StandardCharsets.ISO_8859_1);
            int split = text.indexOf("\r\n\r\n");
            return new Answer(Integer.parseInt(text.split(" ", 3)[1]), text.substring(0, split),
                    text.substring(split + 4), socket.getSession().getProtocol(), socket.getApplicationProtocol(),
                    serial(socket));
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toByteArray();
    }

    /**
     * Sends a TLS 1.1 ClientHello, built by hand because the JDK's client refuses TLS 1.1 itself,
     * and returns what the server answers until it closes (nothing, if it resets the connection).
     */
    public static byte[] tls11Hello(int port) throws IOException {
        ByteArrayOutputStream hello = new ByteArrayOutputStream();
        hello.writeBytes(new byte[] {0x03, 0x02}); // client_version: TLS 1.1
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        hello.writeBytes(random);
        hello.write(0); // no session id
        // TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, TLS_RSA_WITH_AES_128_CBC_SHA
        hello.writeBytes(new byte[] {0x00, 0x04, (byte) 0xc0, 0x13, 0x00, 0x2f});
        hello.writeBytes(new byte[] {0x01, 0x00}); // compression: none
        byte[] body = hello.toByteArray();
        ByteArrayOutputStream record = new ByteArrayOutputStream();
        record.writeBytes(new byte[] {0x16, 0x03, 0x01, 0x00, (byte) (body.length + 4)});
        record.writeBytes(new byte[] {0x01, 0x00, 0x00, (byte) body.length});
        record.writeBytes(body);
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(record.toByteArray());
            socket.getOutputStream().flush();
            return readAll(socket.getInputStream());
        } catch (java.net.SocketException reset) {
            return new byte[0];
        }
    }
}
