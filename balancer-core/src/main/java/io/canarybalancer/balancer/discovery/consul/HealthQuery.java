package io.canarybalancer.balancer.discovery.consul;

import org.kiwiproject.consul.model.ConsulResponse;
import org.kiwiproject.consul.model.health.ServiceHealth;

import java.time.Duration;
import java.util.List;

/** One call to {@code GET /v1/health/service/{service}}, blocking when {@code index > 0}. */
@FunctionalInterface
interface HealthQuery {

    ConsulResponse<List<ServiceHealth>> query(String service, long index, Duration wait);
}
