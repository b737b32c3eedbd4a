package io.canarybalancer.balancer.proxy.pool;

import io.canarybalancer.balancer.tls.TestCertificates;
import io.canarybalancer.balancer.TestBackend;
import io.canarybalancer.balancer.route.BackendTls;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import javax.net.ssl.SSLHandshakeException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The pool against real sockets and real TLS backends, on each TLS engine that loads here: TLS
 * connections are ready only after their handshake, a failed handshake fails the connect, and
 * connections are only ever reused for the same address and TLS setting.
 */
class BackendPoolTest {
    static TestCertificates ca;
    static TestCertificates stranger;
    static TestCertificates.Issued trusted;
    static TestCertificates.Issued untrusted;

    final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    final EventLoop loop = group.next();
    final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeAll
    static void certificates() throws Exception {
        ca = new TestCertificates("backend CA");
        stranger = new TestCertificates("some other CA");
        trusted = ca.issue("backend.test");
        untrusted = stranger.issue("backend.test");
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable each : closing) {
            each.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** A test run once on the JDK's TLS engine and once on OpenSSL's (skipped where it does not load). */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    @interface OnEachEngine {
    }

    /** The pipeline the proxy builds, minus its HTTP handler: the TLS handler when the pool asks for one. */
    static final class Initializer extends ChannelInitializer<Channel> {
        @Override
        protected void initChannel(Channel channel) {
            TlsPeer tls = channel.attr(TlsPeer.KEY).get();
            if (tls != null) {
                channel.pipeline().addLast(tls.newHandler(channel.alloc()));
            }
            channel.pipeline().addLast(new ChannelInboundHandlerAdapter());
        }
    }

    BackendPool pool(SslProvider provider, Duration connectTimeout) {
        assumeTrue(provider == SslProvider.JDK || OpenSsl.isAvailable(), "OpenSSL does not load here");
        return new BackendPool(loop, NioSocketChannel.class, new Initializer(), connectTimeout, Duration.ofSeconds(15), 4,
                new BackendTlsContexts(provider), new ConnectionCounts(0));
    }

    BackendPool pool(SslProvider provider) {
        return pool(provider, Duration.ofSeconds(5));
    }

    TestBackend backend(TestBackend backend) {
        closing.add(backend);
        return backend;
    }

    static InetSocketAddress address(TestBackend backend) {
        return new InetSocketAddress("127.0.0.1", backend.port());
    }

    static BackendTls trusting(TestCertificates ca, String serverName) {
        return new BackendTls(List.of(ca.ca()), "ca.pem", true, serverName);
    }

    <T> T onLoop(Callable<T> call) throws Exception {
        return loop.submit(call).get(10, TimeUnit.SECONDS);
    }

    ChannelFuture connect(BackendPool pool, InetSocketAddress address, BackendTls tls) throws Exception {
        ChannelFuture future = onLoop(() -> pool.connect(address, tls));
        await().atMost(Duration.ofSeconds(20)).until(future::isDone);
        return future;
    }

    @OnEachEngine
    void aTlsConnectionIsReadyOnlyOnceItsHandshakeIsDone(SslProvider provider) throws Exception {
        BackendPool pool = pool(provider);
        TestBackend backend = backend(TestBackend.tls("tls", trusted.serverContext()));

        ChannelFuture future = connect(pool, address(backend), trusting(ca, null));

        assertThat(future.isSuccess()).as("connected: %s", future.cause()).isTrue();
        SslHandler tls = future.channel().pipeline().get(SslHandler.class);
        assertThat(tls.handshakeFuture().isSuccess()).isTrue();
        assertThat(tls.applicationProtocol()).isEqualTo("http/1.1");
        assertThat(tls.engine().getSession().getProtocol()).isIn("TLSv1.3", "TLSv1.2");
    }

    @OnEachEngine
    void plainAndTlsConnectionsToOneAddressAreNeverHandedOutForEachOther(SslProvider provider) throws Exception {
        BackendPool pool = pool(provider);
        InetSocketAddress address = address(backend(TestBackend.tlsOrPlain("both", trusted.serverContext())));
        BackendTls viaCa = trusting(ca, null);
        BackendTls unverified = new BackendTls(List.of(), null, false, null);

        Channel plain = connect(pool, address, null).channel();
        Channel tls = connect(pool, address, viaCa).channel();
        onLoop(() -> {
            pool.release(plain);
            pool.release(tls);
            return null;
        });

        assertThat(onLoop(() -> pool.pollIdle(address, unverified))).as("another TLS setting").isNull();
        assertThat(onLoop(() -> pool.pollIdle(address, viaCa))).isSameAs(tls);
        assertThat(onLoop(() -> pool.pollIdle(address, viaCa))).as("taken already").isNull();
        assertThat(onLoop(() -> pool.pollIdle(address, null))).isSameAs(plain);
        assertThat(plain.pipeline().get(SslHandler.class)).isNull();
    }

    @OnEachEngine
    void aCertificateFromAnotherCaFailsTheConnectAndClosesTheConnection(SslProvider provider) throws Exception {
        BackendPool pool = pool(provider);
        TestBackend backend = backend(TestBackend.tls("impostor", untrusted.serverContext()));

        ChannelFuture future = connect(pool, address(backend), trusting(ca, null));

        assertThat(future.isSuccess()).isFalse();
        assertThat(future.cause()).isInstanceOf(SSLHandshakeException.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> !future.channel().isOpen());
    }

    @OnEachEngine
    void withoutVerificationAnyCertificateIsAccepted(SslProvider provider) throws Exception {
        BackendPool pool = pool(provider);
        TestBackend backend = backend(TestBackend.tls("impostor", untrusted.serverContext()));

        ChannelFuture future = connect(pool, address(backend), new BackendTls(List.of(), null, false, null));

        assertThat(future.isSuccess()).as("connected: %s", future.cause()).isTrue();
    }

    @OnEachEngine
    void theHostNameIsCheckedOnlyWhenTheSettingNamesAServer(SslProvider provider) throws Exception {
        BackendPool pool = pool(provider);
        // The certificate names backend.test only: not 127.0.0.1, the address connected to.
        InetSocketAddress address = address(backend(TestBackend.tls("named", trusted.serverContext())));

        assertThat(connect(pool, address, trusting(ca, null)).isSuccess()).as("chain only").isTrue();
        assertThat(connect(pool, address, trusting(ca, "backend.test")).isSuccess()).as("its name").isTrue();
        ChannelFuture wrongName = connect(pool, address, trusting(ca, "other.test"));
        assertThat(wrongName.isSuccess()).as("another name").isFalse();
        assertThat(wrongName.cause()).isInstanceOf(SSLHandshakeException.class);
    }

    @OnEachEngine
    void aBackendThatNeverAnswersTheHandshakeFailsTheConnectAfterTheConnectTimeout(SslProvider provider)
            throws Exception {
        BackendPool pool = pool(provider, Duration.ofMillis(300));
        try (ServerSocket silent = new ServerSocket(0, 10, java.net.InetAddress.getLoopbackAddress())) {
            // The kernel completes the TCP handshake from the backlog; nobody ever reads or writes.
            ChannelFuture future = connect(pool, new InetSocketAddress("127.0.0.1", silent.getLocalPort()),
                    trusting(ca, null));

            assertThat(future.isSuccess()).isFalse();
            assertThat(future.cause()).isInstanceOf(SSLHandshakeException.class).hasMessageContaining("timed out");
        }
    }
}
