package io.canarybalancer.message;

import io.dropwizard.util.Duration;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The delivery budget, and the claim timeout check built on it. */
class MessageServiceConfigurationTest {
    private final MessageServiceConfiguration configuration = new MessageServiceConfiguration();

    MessageServiceConfigurationTest() {
        configuration.getProvider().setTimeout(Duration.seconds(10));
        configuration.getCredit().setTimeout(Duration.seconds(3));
    }

    @Test
    void oneDeliveryIsTheProviderCallAndTwoCreditCalls() {
        assertThat(configuration.deliveryBudget()).isEqualTo(java.time.Duration.ofSeconds(16));
    }

    @Test
    void aClaimMustOutlastTheBudgetByMoreThanFiveSeconds() {
        configuration.getDelivery().setClaimTimeout(Duration.seconds(21));
        assertThat(configuration.isClaimTimeoutLongerThanADelivery()).isFalse();

        configuration.getDelivery().setClaimTimeout(Duration.milliseconds(21_001));
        assertThat(configuration.isClaimTimeoutLongerThanADelivery()).isTrue();
    }
}
