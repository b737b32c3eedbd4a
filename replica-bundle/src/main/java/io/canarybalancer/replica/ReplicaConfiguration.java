package io.canarybalancer.replica;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.MinDuration;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code replica:} section of a service's configuration. Every value except {@code service} can be
 * overridden at deployment time by the environment ({@code SERVICE_NAME}, {@code SERVICE_TAGS},
 * {@code SERVICE_VERSION}, {@code SERVICE_ADDRESS}, {@code CONSUL_HTTP_ADDR}, {@code CONSUL_HTTP_TOKEN}),
 * which wins, as it does for Registrator, because the same config file serves every replica.
 */
public class ReplicaConfiguration {

    /** What {@code /version} calls this program: {@code message-service}, {@code credit-service}. */
    @NotEmpty
    @Pattern(regexp = "[A-Za-z0-9._-]+")
    private String service;

    /** Consul service name when {@code SERVICE_NAME} is not set. */
    @NotEmpty
    private String serviceName = "service-v1";

    /** Consul tags when {@code SERVICE_TAGS} is not set. */
    @NotNull
    private List<String> tags = List.of();

    /** Version when {@code SERVICE_VERSION} is not set; empty means the {@code vN} suffix of the name. */
    private String version;

    /** Address registered in Consul when {@code SERVICE_ADDRESS} is not set; empty means detect it. */
    private String address;

    /** Consul agent URL when {@code CONSUL_HTTP_ADDR} is not set; empty means no registration. */
    private String consulUrl;

    /** ACL token when {@code CONSUL_HTTP_TOKEN} is not set. */
    private String consulToken;

    /** How often Consul probes {@code /health}. */
    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.SECONDS)
    private Duration checkInterval = Duration.seconds(5);

    /** How long one probe may take. */
    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.SECONDS)
    private Duration checkTimeout = Duration.seconds(2);

    /** Consul removes a replica whose check stayed critical this long (Consul's minimum is one minute). */
    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.MINUTES)
    private Duration deregisterAfter = Duration.minutes(1);

    /** First delay between registration attempts while Consul is unreachable; doubles up to the maximum. */
    @NotNull
    @MinDuration(value = 10, unit = TimeUnit.MILLISECONDS)
    private Duration retryInterval = Duration.seconds(1);

    @NotNull
    @MinDuration(value = 10, unit = TimeUnit.MILLISECONDS)
    private Duration maxRetryInterval = Duration.seconds(30);

    /** How often a registered replica checks that the agent still knows it (a restarted dev agent forgets). */
    @NotNull
    @MinDuration(value = 100, unit = TimeUnit.MILLISECONDS)
    private Duration resyncInterval = Duration.seconds(30);

    /** Connect and read timeout of each call to the Consul agent. */
    @NotNull
    @MinDuration(value = 10, unit = TimeUnit.MILLISECONDS)
    private Duration consulTimeout = Duration.seconds(3);

    @JsonProperty
    public String getService() {
        return service;
    }

    @JsonProperty
    public void setService(String service) {
        this.service = service;
    }

    @JsonProperty
    public String getServiceName() {
        return serviceName;
    }

    @JsonProperty
    public void setServiceName(String serviceName) {
        this.serviceName = serviceName;
    }

    @JsonProperty
    public List<String> getTags() {
        return tags;
    }

    @JsonProperty
    public void setTags(List<String> tags) {
        this.tags = tags;
    }

    @JsonProperty
    public String getVersion() {
        return version;
    }

    @JsonProperty
    public void setVersion(String version) {
        this.version = version;
    }

    @JsonProperty
    public String getAddress() {
        return address;
    }

    @JsonProperty
    public void setAddress(String address) {
        this.address = address;
    }

    @JsonProperty
    public String getConsulUrl() {
        return consulUrl;
    }

    @JsonProperty
    public void setConsulUrl(String consulUrl) {
        this.consulUrl = consulUrl;
    }

    @JsonProperty
    public String getConsulToken() {
        return consulToken;
    }

    @JsonProperty
    public void setConsulToken(String consulToken) {
        this.consulToken = consulToken;
    }

    @JsonProperty
    public Duration getCheckInterval() {
        return checkInterval;
    }

    @JsonProperty
    public void setCheckInterval(Duration checkInterval) {
        this.checkInterval = checkInterval;
    }

    @JsonProperty
    public Duration getCheckTimeout() {
        return checkTimeout;
    }

    @JsonProperty
    public void setCheckTimeout(Duration checkTimeout) {
        this.checkTimeout = checkTimeout;
    }

    @JsonProperty
    public Duration getDeregisterAfter() {
        return deregisterAfter;
    }

    @JsonProperty
    public void setDeregisterAfter(Duration deregisterAfter) {
        this.deregisterAfter = deregisterAfter;
    }

    @JsonProperty
    public Duration getRetryInterval() {
        return retryInterval;
    }

    @JsonProperty
    public void setRetryInterval(Duration retryInterval) {
        this.retryInterval = retryInterval;
    }

    @JsonProperty
    public Duration getMaxRetryInterval() {
        return maxRetryInterval;
    }

    @JsonProperty
    public void setMaxRetryInterval(Duration maxRetryInterval) {
        this.maxRetryInterval = maxRetryInterval;
    }

    @JsonProperty
    public Duration getResyncInterval() {
        return resyncInterval;
    }

    @JsonProperty
    public void setResyncInterval(Duration resyncInterval) {
        this.resyncInterval = resyncInterval;
    }

    @JsonProperty
    public Duration getConsulTimeout() {
        return consulTimeout;
    }

    @JsonProperty
    public void setConsulTimeout(Duration consulTimeout) {
        this.consulTimeout = consulTimeout;
    }
}
