package io.canarybalancer.message.delivery;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.MinDuration;
import jakarta.validation.constraints.NotNull;

import java.net.URI;
import java.net.http.HttpClient;
import java.util.concurrent.TimeUnit;

/** A configuration section naming an HTTP service this one calls: its URL and the call's timeout. */
public abstract class HttpEndpointFactory {

    @NotNull
    private URI url;

    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.MILLISECONDS)
    private Duration timeout;

    protected HttpEndpointFactory(URI defaultUrl, Duration defaultTimeout) {
        this.url = defaultUrl;
        this.timeout = defaultTimeout;
    }

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

    /** An HTTP/1.1 client of the endpoint's own, giving up on connecting after {@code connectTimeout}. */
    protected static HttpClient httpClient(Duration connectTimeout) {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout.toJavaDuration())
                .build();
    }
}
