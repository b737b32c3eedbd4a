package io.canarybalancer.balancer;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A real grpc-java server (plaintext HTTP/2 with prior knowledge on 127.0.0.1, a free port) with a
 * tiny service written with the {@code MethodDescriptor} API, so the tests need no code generation:
 * <ul>
 *   <li>{@code demo.Version/Get} (unary) answers the replica's name, or fails a configured share
 *       of calls with a configured status ({@link #fail}), exactly and spread evenly;</li>
 *   <li>{@code demo.Version/Stream} (server streaming) sends as many numbered messages as the
 *       request asks for, only while the transport is ready, so a client that reads nothing stops
 *       the stream instead of piling messages up in memory.</li>
 * </ul>
 * Counters say what the replica itself served, independent of what the balancer reports.
 */
public final class GrpcBackend implements AutoCloseable {
    /** Messages are UTF-8 strings: the tests read them as text. */
    static final MethodDescriptor.Marshaller<String> TEXT = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
    static final MethodDescriptor<String, String> GET = method(MethodDescriptor.MethodType.UNARY, "Get");
    /** The request is the number of messages wanted, in decimal. */
    static final MethodDescriptor<String, String> STREAM = method(MethodDescriptor.MethodType.SERVER_STREAMING, "Stream");
    /** Each streamed message carries this much padding after its number, so the stream is big enough to fill windows. */
    static final int PADDING = 1024;

    private final String name;
    private final Server server;
    private final AtomicInteger unaryCalls = new AtomicInteger();
    private final AtomicInteger failedCalls = new AtomicInteger();
    private final AtomicInteger streamCalls = new AtomicInteger();
    private final AtomicReference<Failure> failure = new AtomicReference<>(new Failure(Status.Code.OK, 0));
    private final AtomicReference<StreamState> lastStream = new AtomicReference<>();
    private final AtomicReference<Metadata> lastHeaders = new AtomicReference<>();

    public GrpcBackend(String name) throws IOException {
        this.name = name;
        ServerServiceDefinition service = ServerServiceDefinition.builder("demo.Version")
                .addMethod(GET, ServerCalls.asyncUnaryCall(this::get))
                .addMethod(STREAM, ServerCalls.asyncServerStreamingCall(this::stream))
                .build();
        this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(ServerInterceptors.intercept(service, this::recordHeaders))
                .build()
                .start();
    }

    public String name() {
        return name;
    }

    public int port() {
        return server.getPort();
    }

    /** Unary calls answered, successfully or not. */
    public int unaryCalls() {
        return unaryCalls.get();
    }

    /** Unary calls answered with the configured failure. */
    public int failedCalls() {
        return failedCalls.get();
    }

    public int streamCalls() {
        return streamCalls.get();
    }

    /** The newest streaming call, or {@code null} before the first. */
    public StreamState lastStream() {
        return lastStream.get();
    }

    /** The request headers of the newest call, or {@code null} before the first. */
    public Metadata lastHeaders() {
        return lastHeaders.get();
    }

    /**
     * Fails {@code percent} of the unary calls from now on with {@code code}: of every 100 calls,
     * exactly {@code percent}, spread evenly (with 30, three in every ten), so a short run already
     * has the intended error rate.
     */
    public void fail(Status.Code code, int percent) {
        if (percent < 0 || percent > 100) {
            throw new IllegalArgumentException("percent must be 0 to 100: " + percent);
        }
        failure.set(new Failure(code, percent));
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static MethodDescriptor<String, String> method(MethodDescriptor.MethodType type, String name) {
        return MethodDescriptor.<String, String>newBuilder()
                .setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName("demo.Version", name))
                .setRequestMarshaller(TEXT)
                .setResponseMarshaller(TEXT)
                .build();
    }

    private <Q, A> ServerCall.Listener<Q> recordHeaders(ServerCall<Q, A> call, Metadata headers,
                                                      ServerCallHandler<Q, A> next) {
        lastHeaders.set(headers);
        return next.startCall(call, headers);
    }

    private void get(String request, StreamObserver<String> answer) {
        int call = unaryCalls.getAndIncrement();
        Failure current = failure.get();
        if (current.hits(call)) {
            failedCalls.incrementAndGet();
            answer.onError(Status.fromCode(current.code()).withDescription("replica " + name + " fails call " + call)
                    .asRuntimeException());
            return;
        }
        answer.onNext(name);
        answer.onCompleted();
    }

    private void stream(String request, StreamObserver<String> answer) {
        streamCalls.incrementAndGet();
        int count;
        try {
            count = Integer.parseInt(request.trim());
        } catch (NumberFormatException e) {
            answer.onError(Status.INVALID_ARGUMENT.withDescription("not a count: " + request).asRuntimeException());
            return;
        }
        StreamState state = new StreamState(count, (ServerCallStreamObserver<String>) answer);
        lastStream.set(state);
        // The handler runs whenever the transport can take more, and once right after this method.
        state.observer.setOnReadyHandler(state::sendWhileReady);
    }

    /** Which unary calls fail: call n fails when the running count of failures due steps up at n. */
    private record Failure(Status.Code code, int percent) {
        boolean hits(int call) {
            return (long) (call + 1) * percent / 100 > (long) call * percent / 100;
        }
    }

    /**
     * One server-streaming call: how far it got, and how often it had to stop because the transport
     * was not ready (the peer's flow-control window was full). Written on the call's serialized
     * executor, read by the test.
     */
    public static final class StreamState {
        private final int count;
        private final ServerCallStreamObserver<String> observer;
        private final AtomicInteger sent = new AtomicInteger();
        private final AtomicInteger pauses = new AtomicInteger();
        private volatile boolean paused;
        private volatile boolean completed;

        private StreamState(int count, ServerCallStreamObserver<String> observer) {
            this.count = count;
            this.observer = observer;
        }

        /** Messages handed to the transport so far. */
        public int sent() {
            return sent.get();
        }

        /** How many times the stream stopped and waited for the transport to be ready again. */
        public int pauses() {
            return pauses.get();
        }

        /** Waiting for the transport to be ready, with messages still to send. */
        public boolean paused() {
            return paused;
        }

        public boolean completed() {
            return completed;
        }

        /** The text of message {@code index}: its number, a space, then padding. */
        public static String message(int index) {
            return index + " " + "x".repeat(PADDING);
        }

        private void sendWhileReady() {
            if (completed || observer.isCancelled()) {
                return;
            }
            paused = false;
            while (observer.isReady() && sent.get() < count) {
                observer.onNext(message(sent.getAndIncrement()));
            }
            if (sent.get() == count) {
                paused = false;
                completed = true;
                observer.onCompleted();
            } else {
                pauses.incrementAndGet();
                paused = true;
            }
        }
    }
}
