package io.canarybalancer.balancer.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link Channels#closeOnFlush}: what was queued goes out first, and a closed channel is left alone. */
class ChannelsTest {
    @RegisterExtension
    static final LeakWatch LEAKS = new LeakWatch();

    private final EmbeddedChannel channel = new EmbeddedChannel();

    @AfterEach
    void finish() {
        channel.finishAndReleaseAll();
    }

    @Test
    void whatWasQueuedIsWrittenBeforeTheClose() {
        channel.write(Unpooled.copiedBuffer("last answer", StandardCharsets.US_ASCII));

        Channels.closeOnFlush(channel);

        ByteBuf queued = channel.readOutbound();
        assertThat(queued.toString(StandardCharsets.US_ASCII)).isEqualTo("last answer");
        queued.release();
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void theCloseWaitsForTheWritesToComplete() {
        HeldWrites held = new HeldWrites();
        channel.pipeline().addFirst(held);
        channel.write(Unpooled.copiedBuffer("last answer", StandardCharsets.US_ASCII));

        Channels.closeOnFlush(channel);
        assertThat(channel.isOpen()).as("its writes still pending").isTrue();

        held.promises.forEach(ChannelPromise::setSuccess);
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void aChannelThatIsNotActiveIsLeftAlone() throws Exception {
        EmbeddedChannel unconnected = new EmbeddedChannel(false, false);
        try {
            Channels.closeOnFlush(unconnected);

            assertThat(unconnected.isOpen()).as("no failed write closed it").isTrue();
        } finally {
            unconnected.register();
            unconnected.finishAndReleaseAll();
        }
    }

    /** A peer that reads nothing: each write stays pending until its promise is completed by hand. */
    private static final class HeldWrites extends ChannelOutboundHandlerAdapter {
        final List<ChannelPromise> promises = new ArrayList<>();

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            ((ByteBuf) msg).release();
            promises.add(promise);
        }
    }
}
