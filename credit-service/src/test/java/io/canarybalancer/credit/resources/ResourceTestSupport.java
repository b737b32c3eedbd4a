package io.canarybalancer.credit.resources;

import io.canarybalancer.replica.errors.JsonErrorMapper;
import io.canarybalancer.replica.errors.StrictJson;
import io.canarybalancer.replica.errors.ValidationErrorMapper;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.testing.junit5.ResourceExtension;

/** A {@link ResourceExtension} set up as the service sets Jersey up: strict JSON, the bundle's error mappers. */
final class ResourceTestSupport {

    private ResourceTestSupport() {
    }

    static ResourceExtension.Builder resources() {
        return ResourceExtension.builder()
                .setMapper(StrictJson.configure(Jackson.newObjectMapper()))
                .addProvider(new JsonErrorMapper())
                .addProvider(new ValidationErrorMapper());
    }
}
