package io.canarybalancer.message.delivery;

import io.canarybalancer.message.core.Claim;
import io.canarybalancer.message.db.MessageDao;
import io.dropwizard.lifecycle.Managed;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * This replica's delivery threads. Each claims a due message from the shared queue, delivers it, and
 * claims the next; when nothing is due it waits for the {@link Doorbell} (a message accepted here) or the
 * poll interval (messages accepted elsewhere, or due again after a delay). Off the request threads.
 *
 * <p>On stop, threads finish the message in hand (bounded by the provider and credit timeouts), then exit.
 * A message left claimed by a thread that could not finish is reclaimed by the {@link Housekeeper}.
 */
public final class DeliveryWorker implements Managed {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryWorker.class);

    private final MessageDao messages;
    private final Delivery delivery;
    private final Clock clock;
    private final int threads;
    private final Duration pollInterval;
    private final Duration stopTimeout;
    private final String name;
    private final Doorbell doorbell = new Doorbell();

    private volatile boolean running;
    private ExecutorService executor;

    /**
     * @param threads      how many messages this replica delivers at once (0: accept only, deliver none)
     * @param pollInterval the longest an idle thread waits before looking again
     * @param stopTimeout  how long stop() waits for messages in hand
     * @param name         this replica's worker name, recorded in each claim
     */
    public DeliveryWorker(MessageDao messages, Delivery delivery, Clock clock, int threads, Duration pollInterval,
                          Duration stopTimeout, String name) {
        this.messages = messages;
        this.delivery = delivery;
        this.clock = clock;
        this.threads = threads;
        this.pollInterval = pollInterval;
        this.stopTimeout = stopTimeout;
        this.name = name;
    }

    /** Wakes idle threads: a message was just accepted. */
    public void wake() {
        doorbell.ring();
    }

    @Override
    public void start() {
        if (threads == 0) {
            LOG.info("delivery is off on this replica (0 workers): it accepts messages, others deliver them");
            return;
        }
        running = true;
        AtomicInteger index = new AtomicInteger();
        executor = Executors.newFixedThreadPool(threads, runnable -> {
            Thread thread = new Thread(runnable, "delivery-" + index.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        for (int i = 0; i < threads; i++) {
            String worker = name + "#" + (i + 1);
            executor.execute(() -> loop(worker));
        }
    }

    @Override
    public void stop() throws InterruptedException {
        running = false;
        if (executor == null) {
            return;
        }
        doorbell.ring();
        executor.shutdown();
        if (!executor.awaitTermination(stopTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
            LOG.warn("delivery threads still busy after {}; the housekeeper will settle what they hold", stopTimeout);
            executor.shutdownNow();
        }
    }

    private void loop(String worker) {
        int batch = Math.max(4, threads * 2);
        while (running) {
            try {
                Optional<Claim> claim = messages.claimNext(worker, clock.millis(), batch);
                if (claim.isPresent()) {
                    delivery.deliver(claim.get());
                } else {
                    doorbell.await(pollInterval);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                // The database or a client failed mid-message: the claim stays until the housekeeper
                // reclaims it. Pause so an outage does not turn into a busy loop.
                LOG.warn("delivery failed: {}", e.toString());
                try {
                    doorbell.await(pollInterval);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
