package io.canarybalancer.balancer.proxy;

import io.netty.channel.Channel;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringSocketChannel;

import java.util.Locale;

/**
 * The I/O transport: Linux's native epoll or io_uring when their libraries load (fewer copies and
 * system calls than NIO), Java NIO everywhere. Event loops and channels must come from the same one.
 */
enum Transport {
    EPOLL, IO_URING, NIO;

    /**
     * The transport {@code choice} names; for {@link TransportChoice#AUTO} epoll when it loads, else
     * NIO (io_uring measured no faster than epoll for this proxy, see the README).
     *
     * @throws IllegalStateException when the chosen transport cannot run here, with the reason
     */
    static Transport of(TransportChoice choice) {
        return switch (choice) {
            case AUTO -> Epoll.isAvailable() ? EPOLL : NIO;
            case EPOLL -> available(EPOLL, Epoll.unavailabilityCause());
            case IO_URING -> available(IO_URING, IoUring.unavailabilityCause());
            case NIO -> NIO;
        };
    }

    private static Transport available(Transport transport, Throwable cause) {
        if (cause != null) {
            throw new IllegalStateException("transport " + transport.label() + " is not available on this machine: "
                    + cause.getMessage(), cause);
        }
        return transport;
    }

    /** The name the configuration and the start-up log use. */
    String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    IoHandlerFactory ioHandlerFactory() {
        return switch (this) {
            case EPOLL -> EpollIoHandler.newFactory();
            case IO_URING -> IoUringIoHandler.newFactory();
            case NIO -> NioIoHandler.newFactory();
        };
    }

    Class<? extends ServerChannel> serverChannel() {
        return switch (this) {
            case EPOLL -> EpollServerSocketChannel.class;
            case IO_URING -> IoUringServerSocketChannel.class;
            case NIO -> NioServerSocketChannel.class;
        };
    }

    Class<? extends Channel> socketChannel() {
        return switch (this) {
            case EPOLL -> EpollSocketChannel.class;
            case IO_URING -> IoUringSocketChannel.class;
            case NIO -> NioSocketChannel.class;
        };
    }

    /**
     * Makes the kernel acknowledge what {@code channel} received at once, rather than when its
     * delayed-ACK timer fires (40 ms on Linux). Linux transports only; NIO cannot ask.
     */
    static void acknowledgeNow(Channel channel) {
        if (channel instanceof EpollSocketChannel epoll) {
            epoll.config().setTcpQuickAck(true);
        } else if (channel instanceof IoUringSocketChannel) {
            channel.config().setOption(IoUringChannelOption.TCP_QUICKACK, true);
        }
    }
}
