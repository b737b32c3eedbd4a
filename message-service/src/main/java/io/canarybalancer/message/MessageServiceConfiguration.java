package io.canarybalancer.message;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.canarybalancer.message.delivery.CreditFactory;
import io.canarybalancer.message.delivery.DeliveryFactory;
import io.canarybalancer.message.delivery.ProviderFactory;
import io.canarybalancer.replica.ReplicaServiceConfiguration;
import io.dropwizard.validation.ValidationMethod;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;

import java.time.Duration;

/** The message service's configuration: delivery, provider and credit service, beside database and replica. */
public class MessageServiceConfiguration extends ReplicaServiceConfiguration {

    @Valid
    @NotNull
    private DeliveryFactory delivery = new DeliveryFactory();

    @Valid
    @NotNull
    private ProviderFactory provider = new ProviderFactory();

    @Valid
    @NotNull
    private CreditFactory credit = new CreditFactory();

    /**
     * A claim must outlast the longest delivery (a charge, possibly a refund, and the provider call),
     * or a live worker's message could be reclaimed and end TIMEOUT while its answer is still coming.
     */
    @ValidationMethod(message = "delivery.claimTimeout must be longer than provider.timeout + 2 x credit.timeout + 5s")
    @JsonProperty(access = JsonProperty.Access.READ_ONLY)
    public boolean isClaimTimeoutLongerThanADelivery() {
        return delivery.getClaimTimeout().toJavaDuration().compareTo(deliveryBudget().plusSeconds(5)) > 0;
    }

    /**
     * The longest one delivery can take: the provider call and two credit calls (the charge, and
     * possibly a refund), each up to its timeout. Not a property: it follows from those timeouts.
     */
    public Duration deliveryBudget() {
        return provider.getTimeout().toJavaDuration().plus(credit.getTimeout().toJavaDuration().multipliedBy(2));
    }

    @JsonProperty
    public DeliveryFactory getDelivery() {
        return delivery;
    }

    @JsonProperty
    public void setDelivery(DeliveryFactory delivery) {
        this.delivery = delivery;
    }

    @JsonProperty
    public ProviderFactory getProvider() {
        return provider;
    }

    @JsonProperty
    public void setProvider(ProviderFactory provider) {
        this.provider = provider;
    }

    @JsonProperty
    public CreditFactory getCredit() {
        return credit;
    }

    @JsonProperty
    public void setCredit(CreditFactory credit) {
        this.credit = credit;
    }
}
