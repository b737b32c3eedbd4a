package io.canarybalancer.balancer.proxy;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringServerSocketChannel;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class TransportTest {

    @Test
    void autoIsEpollWhereItLoadsAndNioElsewhere() {
        assertThat(Transport.of(TransportChoice.AUTO)).isEqualTo(Epoll.isAvailable() ? Transport.EPOLL : Transport.NIO);
    }

    @Test
    void nioIsAlwaysAvailable() {
        assertThat(Transport.of(TransportChoice.NIO).socketChannel()).isEqualTo(NioSocketChannel.class);
    }

    @Test
    void aNamedNativeTransportIsThatTransport() {
        assumeTrue(Epoll.isAvailable() && IoUring.isAvailable(), "epoll and io_uring must both load here");

        assertThat(Transport.of(TransportChoice.EPOLL).socketChannel()).isEqualTo(EpollSocketChannel.class);
        assertThat(Transport.of(TransportChoice.IO_URING).serverChannel()).isEqualTo(IoUringServerSocketChannel.class);
        assertThat(Transport.of(TransportChoice.IO_URING).label()).isEqualTo("io_uring");
    }

    @Test
    void labelsAreTheConfigurationNames() {
        for (TransportChoice choice : TransportChoice.values()) {
            assertThat(TransportChoice.parse(choice.label())).isEqualTo(choice);
        }
        assertThat(TransportChoice.IO_URING.label()).isEqualTo("io_uring");
    }
}
