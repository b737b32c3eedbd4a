package io.canarybalancer.replica.registration;

import io.canarybalancer.replica.core.ReplicaIdentity;
import io.canarybalancer.replica.core.ReplicaSettings;
import org.kiwiproject.consul.AgentClient;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.ConsulException;
import org.kiwiproject.consul.model.agent.ImmutableRegCheck;
import org.kiwiproject.consul.model.agent.ImmutableRegistration;
import org.kiwiproject.consul.model.agent.Registration;

import java.net.URI;
import java.util.Map;

import static io.canarybalancer.replica.core.SettingsResolver.goSeconds;

/**
 * Registers a replica with the local Consul agent through kiwiproject's {@link AgentClient}: one service
 * with a single HTTP check on its {@code /health} (a single {@code Check}, not {@code Checks}, so the check
 * ID stays {@code service:<id>}), plus {@code version} and {@code service} metadata.
 */
public final class ConsulReplicaRegistry implements ReplicaRegistry {

    private final URI url;
    private final Consul consul;
    private final AgentClient agent;
    private final ReplicaSettings.Timings timings;

    /**
     * Builds the client without contacting the agent ({@code withPing(false)}), so a replica starts
     * whether or not Consul is up.
     */
    public ConsulReplicaRegistry(URI url, String token, ReplicaSettings.Timings timings) {
        this.url = url;
        this.timings = timings;
        long timeoutMillis = timings.consulTimeout().toMillis();
        Consul.Builder builder = Consul.builder()
                .withUrl(url.toString())
                .withPing(false)
                .withConnectTimeoutMillis(timeoutMillis)
                .withReadTimeoutMillis(timeoutMillis)
                .withWriteTimeoutMillis(timeoutMillis);
        if (token != null) {
            builder.withTokenAuth(token);
        }
        this.consul = builder.build();
        this.agent = consul.agentClient();
    }

    @Override
    public void register(ReplicaIdentity replica) {
        agent.register(registrationOf(replica, timings));
    }

    @Override
    public boolean isRegistered(ReplicaIdentity replica) {
        return agent.isRegistered(replica.replicaId());
    }

    @Override
    public void deregister(ReplicaIdentity replica) {
        try {
            agent.deregister(replica.replicaId());
        } catch (ConsulException e) {
            // Modern agents answer 404 for an unknown ID: already gone is what we wanted.
            if (!e.hasCode() || e.getCode() != 404) {
                throw e;
            }
        }
    }

    @Override
    public void close() {
        consul.destroy();
    }

    @Override
    public String describe() {
        return "Consul at " + url;
    }

    /** @return the agent registration for this replica */
    static Registration registrationOf(ReplicaIdentity replica, ReplicaSettings.Timings timings) {
        Registration.RegCheck check = ImmutableRegCheck.builder()
                .http(replica.healthUrl())
                .interval(goSeconds(timings.checkInterval()))
                .timeout(goSeconds(timings.checkTimeout()))
                .deregisterCriticalServiceAfter(goSeconds(timings.deregisterAfter()))
                .build();
        return ImmutableRegistration.builder()
                .id(replica.replicaId())
                .name(replica.serviceName())
                .address(replica.address())
                .port(replica.port())
                .tags(replica.tags())
                .meta(Map.of("version", replica.version(), "service", replica.service()))
                .check(check)
                .build();
    }
}
