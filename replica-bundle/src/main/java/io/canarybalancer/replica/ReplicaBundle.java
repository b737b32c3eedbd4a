package io.canarybalancer.replica;

import io.canarybalancer.replica.core.HostAddress;
import io.canarybalancer.replica.core.ReplicaIdentity;
import io.canarybalancer.replica.core.ReplicaSettings;
import io.canarybalancer.replica.core.SettingsResolver;
import io.canarybalancer.replica.errors.JsonErrorMapper;
import io.canarybalancer.replica.errors.ParameterErrorMapper;
import io.canarybalancer.replica.errors.StrictJson;
import io.canarybalancer.replica.errors.ValidationErrorMapper;
import io.canarybalancer.replica.lifecycle.SignalStop;
import io.canarybalancer.replica.registration.ConsulReplicaRegistry;
import io.canarybalancer.replica.registration.Registrar;
import io.canarybalancer.replica.registration.RegistrationState;
import io.canarybalancer.replica.resources.HealthResource;
import io.canarybalancer.replica.resources.VersionResource;
import io.dropwizard.core.Configuration;
import io.dropwizard.core.ConfiguredBundle;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.lifecycle.PortDescriptor;
import io.dropwizard.lifecycle.ServerLifecycleListener;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.component.LifeCycle;
import org.glassfish.jersey.server.model.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Makes a Dropwizard service a good replica behind the balancer:
 * <ul>
 *   <li>registers it in Consul once the server listens (service name, tags, address, port, an HTTP check
 *       on {@code /health}, deregistration of dead replicas), retrying in the background while Consul is
 *       unreachable, and deregisters it when the server stops;</li>
 *   <li>serves {@code GET /version} and {@code GET /health} on the application port (and under extra path
 *       prefixes, for a service the balancer reaches under one, such as {@code /credit});</li>
 *   <li>stops in lifecycle order on SIGTERM or SIGINT, before the JVM's shutdown hooks run (so an embedded
 *       database is still open while the service's own threads finish), and exits 0;</li>
 *   <li>answers bad input (a body with a wrong type or an unknown field, a query parameter that does not
 *       parse) with a {@code 400} JSON body that names the fields at fault.</li>
 * </ul>
 * Settings come from the service's {@code replica:} section, overridden by {@code SERVICE_NAME},
 * {@code SERVICE_TAGS}, {@code SERVICE_VERSION}, {@code SERVICE_ADDRESS}, {@code CONSUL_HTTP_ADDR} and
 * {@code CONSUL_HTTP_TOKEN}. Without a Consul address the replica registers nowhere and says so once.
 *
 * @param <T> the service's configuration type
 */
public final class ReplicaBundle<T extends Configuration> implements ConfiguredBundle<T> {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicaBundle.class);
    private static final String APPLICATION_CONNECTOR = "application";

    private final Function<T, ReplicaConfiguration> section;
    private final Function<String, String> env;
    private final Supplier<String> addressDetector;
    private final List<String> prefixes = new ArrayList<>();

    // Set in run() on the main thread, replaced when the server has started; read by request threads.
    private volatile ReplicaIdentity identity;
    private volatile Registrar registrar;

    /** Reads the real environment. */
    public ReplicaBundle(Function<T, ReplicaConfiguration> section) {
        this(section, System::getenv);
    }

    /** @param env environment lookup: tests pass a map's {@code get} instead of touching the real one */
    public ReplicaBundle(Function<T, ReplicaConfiguration> section, Function<String, String> env) {
        this(section, env, HostAddress::detect);
    }

    ReplicaBundle(Function<T, ReplicaConfiguration> section, Function<String, String> env,
                  Supplier<String> addressDetector) {
        this.section = Objects.requireNonNull(section);
        this.env = Objects.requireNonNull(env);
        this.addressDetector = Objects.requireNonNull(addressDetector);
    }

    /**
     * Also serves {@code /version} and {@code /health} under {@code prefix}, for a service the balancer
     * routes to by a path prefix ({@code /credit/version} must answer the credit service's version).
     */
    public ReplicaBundle<T> alsoUnder(String prefix) {
        if (!prefix.startsWith("/") || prefix.endsWith("/")) {
            throw new IllegalArgumentException("prefix must start and not end with '/': " + prefix);
        }
        prefixes.add(prefix);
        return this;
    }

    @Override
    public void run(T configuration, Environment environment) {
        // Here rather than in initialize(): the configuration is parsed by then, and must stay lenient
        // (overrides such as -Ddw.server.applicationConnectors[0].port=0 arrive as strings).
        StrictJson.configure(environment.getObjectMapper());
        ReplicaSettings settings = new SettingsResolver(env, addressDetector).resolve(configured(section.apply(configuration)));
        identity = settings.at(0);

        VersionResource version = new VersionResource(this::identity);
        HealthResource health = new HealthResource(environment.healthChecks());
        environment.jersey().register(version);
        environment.jersey().register(health);
        for (String prefix : prefixes) {
            environment.jersey().getResourceConfig().registerResources(
                    alias(prefix + "/version", version, "version"), alias(prefix + "/health", health, "health"));
        }
        environment.jersey().register(new JsonErrorMapper());
        environment.jersey().register(new ValidationErrorMapper());
        environment.jersey().register(new ParameterErrorMapper());

        if (settings.consulUrl().isPresent()) {
            registrar = new Registrar(new ConsulReplicaRegistry(settings.consulUrl().get(),
                    settings.consulToken().orElse(null), settings.timings()), settings.timings());
        } else {
            LOG.info("no Consul configured ({} is not set and replica.consulUrl is empty): "
                    + "this replica of {} registers nowhere", SettingsResolver.CONSUL_HTTP_ADDR, settings.serviceName());
        }
        environment.lifecycle().addServerLifecycleListener(server -> started(server, settings));
        environment.lifecycle().addEventListener(new LifeCycle.Listener() {
            @Override
            public void lifeCycleStopping(LifeCycle event) {
                // Leave Consul first, while in-flight requests still finish, so the balancer stops routing here.
                stopRegistrar(settings);
            }

            @Override
            public void lifeCycleFailure(LifeCycle event, Throwable cause) {
                stopRegistrar(settings);
            }
        });
    }

    /** @return this replica's identity; its port is 0 until the server listens */
    public ReplicaIdentity identity() {
        return identity;
    }

    /** @return where the Consul registration stands */
    public RegistrationState registrationState() {
        Registrar current = registrar;
        return current == null ? RegistrationState.DISABLED : current.state();
    }

    /** @return failed registration attempts since the last success (0 without Consul) */
    public int failedRegistrationAttempts() {
        Registrar current = registrar;
        return current == null ? 0 : current.failedAttempts();
    }

    private void started(Server server, ReplicaSettings settings) {
        SignalStop.install(server);
        identity = settings.at(applicationPort(server));
        Registrar current = registrar;
        if (current != null) {
            current.start(identity);
        }
    }

    private void stopRegistrar(ReplicaSettings settings) {
        Registrar current = registrar;
        if (current != null) {
            current.stop(settings.timings().consulTimeout().plusSeconds(1));
        }
    }

    private static int applicationPort(Server server) {
        ServerLifecycleListener ports = s -> { };
        return ports.getPortDescriptorList(server).stream()
                .filter(port -> APPLICATION_CONNECTOR.equals(port.getConnectorType()))
                .mapToInt(PortDescriptor::getPort)
                .findFirst()
                .orElseGet(() -> ports.getLocalPort(server));
    }

    private static Resource alias(String path, Object handler, String methodName) {
        Resource.Builder builder = Resource.builder(path);
        try {
            builder.addMethod("GET")
                    .produces(MediaType.APPLICATION_JSON_TYPE)
                    .handledBy(handler, handler.getClass().getMethod(methodName));
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
        return builder.build();
    }

    private static SettingsResolver.Configured configured(ReplicaConfiguration config) {
        return new SettingsResolver.Configured(config.getService(), config.getServiceName(), config.getTags(),
                config.getVersion(), config.getAddress(), config.getConsulUrl(), config.getConsulToken(),
                new ReplicaSettings.Timings(
                        config.getCheckInterval().toJavaDuration(),
                        config.getCheckTimeout().toJavaDuration(),
                        config.getDeregisterAfter().toJavaDuration(),
                        config.getRetryInterval().toJavaDuration(),
                        config.getMaxRetryInterval().toJavaDuration(),
                        config.getResyncInterval().toJavaDuration(),
                        config.getConsulTimeout().toJavaDuration()));
    }
}
