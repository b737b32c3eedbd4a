package io.canarybalancer.credit.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.canarybalancer.credit.core.CreditRules;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

/**
 * The body of {@code POST /credit}: credits to add. Only positive whole numbers: the service's strict
 * JSON refuses {@code 1.5} and {@code "5"} instead of rounding or parsing them.
 *
 * @param amount credits to add, 1 to {@value CreditRules#MAX_TOP_UP}
 */
public record TopUpRequest(@JsonProperty("amount") @NotNull @Min(1) @Max(CreditRules.MAX_TOP_UP) Long amount) {
}
