package io.canarybalancer.replica.resources;

import com.codahale.metrics.health.HealthCheck;
import com.codahale.metrics.health.HealthCheckRegistry;
import io.canarybalancer.replica.api.HealthView;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * {@code GET /health} on the application port, for Consul's HTTP check and the balancer: runs the same
 * health checks the admin port runs (the database's among them) and answers 200 when all pass, 503 when
 * one fails, so a replica that lost its database leaves the pool.
 */
@Path("/health")
@Produces(MediaType.APPLICATION_JSON)
public class HealthResource {

    private final HealthCheckRegistry checks;

    public HealthResource(HealthCheckRegistry checks) {
        this.checks = checks;
    }

    @GET
    public Response health() {
        SortedMap<String, HealthCheck.Result> results = checks.runHealthChecks();
        Map<String, String> summary = new TreeMap<>();
        boolean healthy = true;
        for (Map.Entry<String, HealthCheck.Result> result : results.entrySet()) {
            boolean passed = result.getValue().isHealthy();
            healthy &= passed;
            String message = result.getValue().getMessage();
            summary.put(result.getKey(), passed ? "healthy" : (message == null ? "unhealthy" : message));
        }
        HealthView view = new HealthView(healthy ? "UP" : "DOWN", summary);
        return Response.status(healthy ? Response.Status.OK : Response.Status.SERVICE_UNAVAILABLE).entity(view).build();
    }
}
