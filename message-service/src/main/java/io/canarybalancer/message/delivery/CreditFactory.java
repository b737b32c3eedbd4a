package io.canarybalancer.message.delivery;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.MinDuration;
import jakarta.validation.constraints.NotNull;

import java.net.URI;
import java.net.http.HttpClient;
import java.util.concurrent.TimeUnit;

/** The {@code credit:} section: where the credit service is reached, by default through the balancer. */
public class CreditFactory {

    @NotNull
    private URI url = URI.create("http://127.0.0.1:48151");

    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.MILLISECONDS)
    private Duration timeout = Duration.seconds(2);

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

    /** @return a client for the credit service, on an HTTP/1.1 client of its own */
    public CreditClient build(ObjectMapper json) {
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout.toJavaDuration())
                .build();
        return new HttpCreditClient(http, url, timeout.toJavaDuration(), json);
    }
}
