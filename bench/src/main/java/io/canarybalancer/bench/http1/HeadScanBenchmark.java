package io.canarybalancer.bench.http1;

import io.canarybalancer.balancer.proxy.http1.HeadBuffer;
import io.canarybalancer.balancer.proxy.http1.RequestHead;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Reading one browser-like request head in place, as the front-end handler does for each request
 * on a keep-alive connection: {@code HeadBuffer.append} of the received bytes (a direct buffer, as
 * the socket delivers them), the request line and the fields read by {@code RequestHead}, then
 * {@code reset} for the next head. {@link #scanAndForward} also writes the head the backend gets
 * into a reused buffer. Issue 14's targets for the scan: 150 ns and 0 bytes allocated per head
 * (check with {@code -prof gc}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HeadScanBenchmark {
    /** 417 bytes, 8 fields: what a current browser sends for a same-site navigation with a session cookie. */
    static final String HEAD = "GET /api/messages?page=2&sort=recent HTTP/1.1\r\n"
            + "Host: shop.example.com\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
            + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n"
            + "Accept-Language: en-US,en;q=0.5\r\n"
            + "Accept-Encoding: gzip, deflate, br, zstd\r\n"
            + "Connection: keep-alive\r\n"
            + "Cookie: lb=k7Qx2; session=4f1c9a2b\r\n"
            + "Upgrade-Insecure-Requests: 1\r\n"
            + "\r\n";
    private static final String CLIENT_IP = "192.0.2.10";
    private static final String REPLICA_HOST = "10.0.0.7";
    private static final int REPLICA_PORT = 8080;

    private ByteBuf received;
    private ByteBuf forwarded;
    private HeadBuffer buffer;
    private RequestHead request;

    @Setup(Level.Trial)
    public void setUp() {
        byte[] bytes = HEAD.getBytes(StandardCharsets.US_ASCII);
        received = Unpooled.directBuffer(bytes.length).writeBytes(bytes);
        forwarded = Unpooled.directBuffer(1024);
        // The proxy's default limits (ProxySettings): request line 8 KiB, header section 16 KiB, 100 fields.
        buffer = new HeadBuffer(8192, 16384, 414);
        request = new RequestHead(100);
        if (!scan() || scanAndForward() < HEAD.length()) {
            throw new IllegalStateException("the head is not read as valid: " + request.problem());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        received.release();
        forwarded.release();
    }

    @Benchmark
    public boolean scan() {
        boolean valid = read();
        buffer.reset();
        return valid;
    }

    @Benchmark
    public int scanAndForward() {
        boolean valid = read();
        ByteBuf out = forwarded.clear();
        if (valid) {
            request.writeForBackend(out, CLIENT_IP, false, REPLICA_HOST, REPLICA_PORT);
        }
        buffer.reset();
        return out.writerIndex();
    }

    private boolean read() {
        HeadBuffer head = buffer;
        return head.append(received, received.readerIndex(), received.writerIndex()) >= 0
                && request.readRequestLine(head) && request.readFields(head);
    }
}
