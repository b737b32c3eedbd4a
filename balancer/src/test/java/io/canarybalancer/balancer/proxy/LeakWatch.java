package io.canarybalancer.balancer.proxy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fails a test class whose buffers leaked. Tests run with leak detection at {@code paranoid} (set
 * by the build), so every buffer is tracked; a leaked one is reported once it is garbage collected
 * and another buffer is allocated, which the check after all tests provokes. Register it with
 * {@code @RegisterExtension static final LeakWatch LEAKS = new LeakWatch();}.
 */
final class LeakWatch implements BeforeAllCallback, AfterAllCallback {
    private final Logger logger = (Logger) LoggerFactory.getLogger(ResourceLeakDetector.class);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    @Override
    public void beforeAll(ExtensionContext context) {
        appender.start();
        logger.addAppender(appender);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        try {
            assertThat(ResourceLeakDetector.getLevel()).as("leak detection level")
                    .isEqualTo(ResourceLeakDetector.Level.PARANOID);
            assertThat(leaks()).isEmpty();
        } finally {
            logger.detachAppender(appender);
            appender.stop();
        }
    }

    /** Reports of leaked buffers so far, after a collection. */
    private List<String> leaks() {
        for (int round = 0; round < 3; round++) {
            System.gc();
            System.runFinalization();
            for (int i = 0; i < 64; i++) {
                ByteBuf probe = PooledByteBufAllocator.DEFAULT.buffer(16);
                probe.release();
            }
        }
        return appender.list.stream()
                .map(ILoggingEvent::getFormattedMessage)
                .filter(message -> message.contains("LEAK"))
                .toList();
    }
}
