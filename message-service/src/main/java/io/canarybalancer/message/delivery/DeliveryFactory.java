package io.canarybalancer.message.delivery;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.canarybalancer.message.db.MessageDao;
import io.dropwizard.lifecycle.setup.LifecycleEnvironment;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.MinDuration;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.Random;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** The {@code delivery:} section: this replica's share of the delivery work. */
public class DeliveryFactory {

    /** Messages this replica delivers at once; 0 makes it accept messages and leave delivery to others. */
    @Min(0)
    @Max(256)
    private int workers = 4;

    /** The longest an idle worker waits before looking at the queue again. */
    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.MILLISECONDS)
    private Duration pollInterval = Duration.milliseconds(500);

    /** A claim older than this belongs to a stopped worker; must outlast one delivery (checked). */
    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.SECONDS)
    private Duration claimTimeout = Duration.seconds(60);

    /** Claims a message gets while the credit service is unavailable, before it ends ERROR. */
    @Min(1)
    @Max(100)
    private int maxAttempts = 5;

    /** Delay before retrying a message the credit service could not charge; doubles per attempt, up to 1 min. */
    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.MILLISECONDS)
    private Duration retryDelay = Duration.seconds(1);

    /** How often stale claims and owed refunds are looked after. */
    @NotNull
    @MinDuration(value = 10, unit = TimeUnit.MILLISECONDS)
    private Duration housekeepingInterval = Duration.seconds(5);

    /** The delivery of one message, with this section's attempts and retry delay. */
    public Delivery buildDelivery(MessageDao messages, CreditClient credit, ProviderClient provider, Clock clock) {
        return new Delivery(messages, credit, provider, clock, maxAttempts, retryDelay.toJavaDuration());
    }

    /**
     * This replica's workers. On stop they wait for the messages in hand: {@code deliveryBudget}, the
     * longest one delivery can take, and a second more.
     */
    public DeliveryWorker buildWorker(MessageDao messages, Delivery delivery, Clock clock,
                                      java.time.Duration deliveryBudget) {
        return new DeliveryWorker(messages, delivery, clock, workers, pollInterval.toJavaDuration(),
                deliveryBudget.plusSeconds(1), workerName());
    }

    /** Runs a {@link Housekeeper} every {@code housekeepingInterval}, on an executor the lifecycle stops. */
    public void scheduleHousekeeper(LifecycleEnvironment lifecycle, MessageDao messages, Delivery delivery, Clock clock) {
        java.time.Duration interval = housekeepingInterval.toJavaDuration();
        ScheduledExecutorService housekeeper = lifecycle.scheduledExecutorService("housekeeper").build();
        housekeeper.scheduleWithFixedDelay(
                new Housekeeper(messages, delivery, clock, claimTimeout.toJavaDuration(), interval),
                interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    // Recorded in each claim, so an operator can tell which replica holds a message (the suffix tells
    // apart two instances in one process, as in tests).
    private static String workerName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown-host";
        }
        return host + "/" + ProcessHandle.current().pid() + "/" + Integer.toHexString(new Random().nextInt(0x10000));
    }

    @JsonProperty
    public int getWorkers() {
        return workers;
    }

    @JsonProperty
    public void setWorkers(int workers) {
        this.workers = workers;
    }

    @JsonProperty
    public Duration getPollInterval() {
        return pollInterval;
    }

    @JsonProperty
    public void setPollInterval(Duration pollInterval) {
        this.pollInterval = pollInterval;
    }

    @JsonProperty
    public Duration getClaimTimeout() {
        return claimTimeout;
    }

    @JsonProperty
    public void setClaimTimeout(Duration claimTimeout) {
        this.claimTimeout = claimTimeout;
    }

    @JsonProperty
    public int getMaxAttempts() {
        return maxAttempts;
    }

    @JsonProperty
    public void setMaxAttempts(int maxAttempts) {
        this.maxAttempts = maxAttempts;
    }

    @JsonProperty
    public Duration getRetryDelay() {
        return retryDelay;
    }

    @JsonProperty
    public void setRetryDelay(Duration retryDelay) {
        this.retryDelay = retryDelay;
    }

    @JsonProperty
    public Duration getHousekeepingInterval() {
        return housekeepingInterval;
    }

    @JsonProperty
    public void setHousekeepingInterval(Duration housekeepingInterval) {
        this.housekeepingInterval = housekeepingInterval;
    }
}
