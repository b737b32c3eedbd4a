package io.canarybalancer.message.delivery;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.MinDuration;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

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
