package io.canarybalancer.message.delivery;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.MinDuration;
import jakarta.validation.constraints.NotNull;

import java.net.URI;
import java.net.http.HttpClient;
import java.util.concurrent.TimeUnit;

/** The {@code provider:} section: where messages go and how long the provider may take. */
public class ProviderFactory {

    @NotNull
    private URI url = URI.create("http://127.0.0.1:3000");

    /** The provider call's timeout: no answer by then means {@code TIMEOUT}. */
    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.MILLISECONDS)
    private Duration timeout = Duration.seconds(5);

    /** No connection by then means the provider is unreachable: {@code ERROR}. */
    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.MILLISECONDS)
    private Duration connectTimeout = Duration.seconds(1);

    @JsonProperty
    public URI getUrl() {
        return url;
    }

    @JsonProperty
    public void setUrl(URI url) {
        this.url = url;
    }

    @JsonProperty
    public Duration getTimeout() {
        return timeout;
    }

    @JsonProperty
    public void setTimeout(Duration timeout) {
        this.timeout = timeout;
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
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout.toJavaDuration())
                .build();
        return new HttpProviderClient(http, url, timeout.toJavaDuration(), json);
    }
}
