package io.canarybalancer.message.delivery;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.MinDuration;
import jakarta.validation.constraints.NotNull;

import java.net.URI;
import java.util.concurrent.TimeUnit;

/**
 * The {@code provider:} section: where messages go and how long the provider may take (its
 * {@code timeout}: no answer by then means {@code TIMEOUT}).
 */
public class ProviderFactory extends HttpEndpointFactory {

    /** No connection by then means the provider is unreachable: {@code ERROR}. */
    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.MILLISECONDS)
    private Duration connectTimeout = Duration.seconds(1);

    public ProviderFactory() {
        super(URI.create("http://127.0.0.1:3000"), Duration.seconds(5));
    }

    @JsonProperty
    public Duration getConnectTimeout() {
        return connectTimeout;
    }

    @JsonProperty
    public void setConnectTimeout(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
    }

    /** @return a client for the provider, on an HTTP/1.1 client of its own */
    public ProviderClient build(ObjectMapper json) {
        return new HttpProviderClient(httpClient(connectTimeout), getUrl(), getTimeout().toJavaDuration(), json);
    }
}
