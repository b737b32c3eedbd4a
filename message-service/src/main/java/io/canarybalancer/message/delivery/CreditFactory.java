package io.canarybalancer.message.delivery;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dropwizard.util.Duration;

import java.net.URI;

/** The {@code credit:} section: where the credit service is reached, by default through the balancer. */
public class CreditFactory extends HttpEndpointFactory {

    public CreditFactory() {
        super(URI.create("http://127.0.0.1:48151"), Duration.seconds(2));
    }

    /** @return a client for the credit service, on an HTTP/1.1 client of its own */
    public CreditClient build(ObjectMapper json) {
        return new HttpCreditClient(httpClient(getTimeout()), getUrl(), getTimeout().toJavaDuration(), json);
    }
}
