package io.canarybalancer.balancer;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A grpc-java client of {@link GrpcBackend}'s service over one channel to a port (the balancer's,
 * or a backend's directly): plaintext, so HTTP/2 with prior knowledge, as grpc-java speaks it.
 * Every call reports the {@code x-canary-pool} response header the balancer adds, and can carry
 * the canary flag as metadata ({@code x-canary: 1}).
 */
public final class GrpcClient implements AutoCloseable {
    static final Metadata.Key<String> POOL = Metadata.Key.of("x-canary-pool", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> CANARY = Metadata.Key.of("x-canary", Metadata.ASCII_STRING_MARSHALLER);
    /** No test call should take long; a hung one fails instead of hanging the build. */
    private static final long DEADLINE_SECONDS = 30;
    /**
     * The connection's and each stream's receive window, fixed (no automatic growth), so a client
     * that reads nothing stops the sender after this much.
     */
    private static final int WINDOW = 65_535;

    private final ManagedChannel channel;

    public GrpcClient(int port) {
        this.channel = NettyChannelBuilder.forAddress("127.0.0.1", port)
                .usePlaintext()
                .flowControlWindow(WINDOW)
                .build();
    }

    /** A unary {@code demo.Version/Get}, optionally flagged for the canary; failures are answers too. */
    public Answer get(boolean flagged) {
        PoolHeader pool = new PoolHeader(flagged);
        Channel intercepted = ClientInterceptors.intercept(channel, pool);
        try {
            String body = ClientCalls.blockingUnaryCall(intercepted, GrpcBackend.GET,
                    CallOptions.DEFAULT.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS), "version?");
            return new Answer(Status.OK, body, pool.value());
        } catch (StatusRuntimeException e) {
            return new Answer(e.getStatus(), null, pool.value());
        }
    }

    public Answer get() {
        return get(false);
    }

    /**
     * Starts {@code demo.Version/Stream} for {@code count} messages without asking for any:
     * nothing is read until {@link StreamCall#request} says so.
     */
    public StreamCall stream(int count) {
        PoolHeader pool = new PoolHeader(false);
        ClientCall<String, String> call = ClientInterceptors.intercept(channel, pool)
                .newCall(GrpcBackend.STREAM, CallOptions.DEFAULT.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS));
        StreamCall stream = new StreamCall(call, pool);
        call.start(stream.listener(), new Metadata());
        call.sendMessage(Integer.toString(count));
        call.halfClose();
        return stream;
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * One unary call's outcome.
     *
     * @param body the message, or {@code null} when the status is not OK
     * @param pool the {@code x-canary-pool} response header, or {@code "none"}
     */
    public record Answer(Status status, String body, String pool) {
        public boolean ok() {
            return status.isOk();
        }
    }

    /** A server-streaming call in progress: messages received so far, in order, and how it ended. */
    public static final class StreamCall {
        private final ClientCall<String, String> call;
        private final PoolHeader pool;
        private final List<String> messages = new ArrayList<>();
        private final CompletableFuture<Status> closed = new CompletableFuture<>();

        private StreamCall(ClientCall<String, String> call, PoolHeader pool) {
            this.call = call;
            this.pool = pool;
        }

        /** Lets {@code count} more messages be delivered (and their bytes be acknowledged to the sender). */
        public void request(int count) {
            call.request(count);
        }

        public synchronized List<String> messages() {
            return List.copyOf(messages);
        }

        public synchronized int received() {
            return messages.size();
        }

        /** The final status, once the call has ended. */
        public CompletableFuture<Status> closed() {
            return closed;
        }

        public String pool() {
            return pool.value();
        }

        /** Ends the call from this side (a reset of the stream). */
        public void cancel() {
            call.cancel("the test is done with it", null);
        }

        private ClientCall.Listener<String> listener() {
            return new ClientCall.Listener<>() {
                @Override
                public void onMessage(String message) {
                    synchronized (StreamCall.this) {
                        messages.add(message);
                    }
                }

                @Override
                public void onClose(Status status, Metadata trailers) {
                    closed.complete(status);
                }
            };
        }
    }

    /**
     * Adds {@code x-canary: 1} to a flagged call's metadata and keeps the {@code x-canary-pool} the
     * answer carried: in its headers, or in its trailers when the answer was trailers-only (an
     * error straight away, as {@link GrpcBackend} sends its failures).
     */
    private static final class PoolHeader implements ClientInterceptor {
        private final boolean flagged;
        private volatile String value = "none";

        private PoolHeader(boolean flagged) {
            this.flagged = flagged;
        }

        String value() {
            return value;
        }

        @Override
        public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
            return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                @Override
                public void start(Listener<A> listener, Metadata headers) {
                    if (flagged) {
                        headers.put(CANARY, "1");
                    }
                    super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                        @Override
                        public void onHeaders(Metadata responseHeaders) {
                            record(responseHeaders);
                            super.onHeaders(responseHeaders);
                        }

                        @Override
                        public void onClose(Status status, Metadata trailers) {
                            if (value.equals("none")) {
                                record(trailers);
                            }
                            super.onClose(status, trailers);
                        }
                    }, headers);
                }
            };
        }

        private void record(Metadata metadata) {
            String pool = metadata.get(POOL);
            if (pool != null) {
                value = pool;
            }
        }
    }
}
