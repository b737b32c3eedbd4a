package io.canarybalancer.balancer.proxy.pool;

import io.canarybalancer.balancer.TestBackend;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * How the pools of two event loops count the connections to a replica they share, against a real
 * backend: in use from hand-out to release or close, idle ones never against the cap, reuse, opens,
 * and closes by the backend (not the balancer's own) counted.
 */
class BackendPoolCountsTest {
    final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    final EventLoop loopA = group.next();
    final EventLoop loopB = group.next();
    TestBackend backend;

    @AfterEach
    void stop() {
        if (backend != null) {
            backend.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    BackendPool pool(EventLoop loop, ConnectionCounts counts) {
        return new BackendPool(loop, NioSocketChannel.class, new BackendPoolTest.Initializer(), Duration.ofSeconds(5),
                Duration.ofSeconds(15), 4, new BackendTlsContexts(), counts);
    }

    InetSocketAddress backend() throws InterruptedException {
        backend = new TestBackend("counted");
        return new InetSocketAddress("127.0.0.1", backend.port());
    }

    static <T> T on(EventLoop loop, Callable<T> call) throws Exception {
        return loop.submit(call).get(10, TimeUnit.SECONDS);
    }

    /** Reserves (if {@code pool}'s counts have a cap) and opens a connection, as the proxy does. */
    static Channel connected(BackendPool pool, EventLoop loop, InetSocketAddress address) throws Exception {
        ChannelFuture future = on(loop, () -> {
            assertThat(pool.reserve(address)).as("room to connect").isTrue();
            return pool.connect(address, null);
        });
        await().atMost(Duration.ofSeconds(10)).until(future::isDone);
        assertThat(future.isSuccess()).as("connected: %s", future.cause()).isTrue();
        return future.channel();
    }

    static void release(BackendPool pool, EventLoop loop, Channel channel) throws Exception {
        on(loop, () -> {
            pool.release(channel);
            return null;
        });
    }

    @Test
    void aConnectionIsInUseFromHandOutUntilItIsTakenBackAndEachReuseIsCounted() throws Exception {
        InetSocketAddress address = backend();
        ConnectionCounts counts = new ConnectionCounts(0);
        BackendPool pool = pool(loopA, counts);

        Channel channel = connected(pool, loopA, address);
        assertThat(counts.of(address)).isEqualTo(new ConnectionCounts.Counts(1, 1, 1, 0, 0, 0));

        release(pool, loopA, channel);
        assertThat(counts.of(address).inUse()).as("idle is not in use").isZero();
        assertThat(counts.of(address).open()).isEqualTo(1);

        assertThat(on(loopA, () -> pool.reserve(address) ? pool.pollIdle(address, null) : null)).isSameAs(channel);
        assertThat(counts.of(address)).isEqualTo(new ConnectionCounts.Counts(1, 1, 1, 1, 0, 0));

        on(loopA, channel::close).syncUninterruptibly(); // closed in use, as after a failed exchange
        assertThat(counts.of(address)).as("neither in use nor open; not the backend's close")
                .isEqualTo(new ConnectionCounts.Counts(0, 0, 1, 1, 0, 0));
    }

    @Test
    void idleConnectionsOnAnotherLoopDoNotCountAgainstTheCap() throws Exception {
        InetSocketAddress address = backend();
        ConnectionCounts counts = new ConnectionCounts(1);
        BackendPool poolA = pool(loopA, counts);
        BackendPool poolB = pool(loopB, counts);

        release(poolA, loopA, connected(poolA, loopA, address)); // parked idle on loop A
        Channel onB = connected(poolB, loopB, address); // loop B has none idle: it may open one

        assertThat(counts.of(address).inUse()).isEqualTo(1);
        assertThat(counts.of(address).open()).isEqualTo(2);
        assertThat(on(loopA, () -> poolA.reserve(address))).as("the one in use on B fills the cap").isFalse();
        assertThat(counts.of(address).refused()).isEqualTo(1);

        release(poolB, loopB, onB);
        Channel reused = on(loopA, () -> poolA.reserve(address) ? poolA.pollIdle(address, null) : null);
        assertThat(reused).as("room again: A's idle one serves").isNotNull();
        assertThat(counts.of(address).inUse()).isEqualTo(1);
        assertThat(on(loopB, () -> poolB.reserve(address))).isFalse();
        release(poolA, loopA, reused);
        assertThat(counts.of(address).inUse()).isZero();
    }

    @Test
    void aFailedConnectGivesItsPlaceBack() throws Exception {
        ConnectionCounts counts = new ConnectionCounts(1);
        BackendPool pool = pool(loopA, counts);
        InetSocketAddress nobody;
        try (ServerSocket free = new ServerSocket(0)) {
            nobody = new InetSocketAddress("127.0.0.1", free.getLocalPort());
        }

        ChannelFuture refused = on(loopA, () -> pool.reserve(nobody) ? pool.connect(nobody, null) : null);
        await().atMost(Duration.ofSeconds(10)).until(refused::isDone);

        assertThat(refused.isSuccess()).isFalse();
        await().atMost(Duration.ofSeconds(10)).until(() -> counts.of(nobody).inUse() == 0);
        assertThat(counts.of(nobody).open()).isZero();
        assertThat(on(loopA, () -> pool.reserve(nobody))).as("the place is free again").isTrue();
    }

    @Test
    void aSocketThatCannotBeMadeTakesNoPlaceAndIsReportedOnThePoolsLoop() throws Exception {
        ConnectionCounts counts = new ConnectionCounts(1);
        BackendPool pool = new BackendPool(loopA, NoSocketsLeft.class, new BackendPoolTest.Initializer(),
                Duration.ofSeconds(5), Duration.ofSeconds(15), 4, new BackendTlsContexts(), counts);
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", 9);

        for (int attempt = 0; attempt < 3; attempt++) {
            ChannelFuture failed = on(loopA, () -> pool.reserve(address) ? pool.connect(address, null) : null);
            assertThat(failed).as("attempt %d found room", attempt).isNotNull();
            assertThat(failed.isDone() && !failed.isSuccess()).isTrue();
            // No close will ever follow for a socket never made: nothing may stay counted for it.
            assertThat(counts.of(address).inUse()).isZero();
            assertThat(counts.of(address).open()).isZero();
            CompletableFuture<Boolean> onLoop = new CompletableFuture<>();
            failed.addListener(done -> onLoop.complete(loopA.inEventLoop()));
            assertThat(onLoop.get(10, TimeUnit.SECONDS)).as("the caller hears of it on the pool's loop").isTrue();
        }
    }

    /** A socket channel that cannot be made, as when the process has no file descriptor left. */
    public static final class NoSocketsLeft extends NioSocketChannel {
        public NoSocketsLeft() {
            throw new ChannelException("Too many open files");
        }
    }

    @Test
    void aCloseByTheBackendWhileIdleIsCountedAndTheBalancersOwnIsNot() throws Exception {
        InetSocketAddress address = backend();
        ConnectionCounts counts = new ConnectionCounts(0);
        BackendPool pool = pool(loopA, counts);
        Channel first = connected(pool, loopA, address);
        release(pool, loopA, first);

        backend.closeConnections(); // the backend's keep-alive timeout ran out

        await().atMost(Duration.ofSeconds(10)).until(() -> counts.of(address).open() == 0);
        assertThat(counts.of(address).closedByBackend()).isEqualTo(1);
        assertThat(counts.of(address).inUse()).isZero();
        assertThat(on(loopA, () -> pool.pollIdle(address, null))).as("gone from the pool").isNull();

        Channel second = connected(pool, loopA, address);
        release(pool, loopA, second);
        on(loopA, () -> {
            BackendPool.retire(second); // idle too long, say: the balancer's own doing
            return null;
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> counts.of(address).open() == 0);
        assertThat(counts.of(address).closedByBackend()).as("still the backend's one close").isEqualTo(1);
        assertThat(counts.of(address).opened()).isEqualTo(2);
    }
}
