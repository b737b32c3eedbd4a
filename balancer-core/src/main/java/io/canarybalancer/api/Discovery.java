package io.canarybalancer.api;

import io.canarybalancer.balancer.config.BalancerConfig;
import io.canarybalancer.balancer.discovery.consul.ConsulSettings;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a balancer learns its replicas: a replica file, Consul, or the embedding program itself
 * ({@link #inMemory()}, or a {@link ReplicaSource} of its own).
 */
public abstract sealed class Discovery permits Discovery.File, Discovery.Consul, Discovery.Program, InMemoryReplicas {

    Discovery() {
    }

    /** The replica file at {@code file} (the format {@code --config}'s {@code discovery.file} reads), reloaded on change. */
    public static Discovery file(Path file) {
        return new File(Objects.requireNonNull(file, "file"));
    }

    /**
     * The Consul agent at {@code url} (such as {@code http://127.0.0.1:8500}), watched with blocking
     * queries; rollout state is then kept in its KV store and shared by every balancer using it.
     */
    public static Discovery consul(String url) {
        return consul(url, null);
    }

    /** As {@link #consul(String)}, with the ACL token Consul asks for ({@code null}: none). */
    public static Discovery consul(String url, String token) {
        return new Consul(Objects.requireNonNull(url, "url"), token);
    }

    /** Replicas the program sets and changes itself, at any time: see {@link InMemoryReplicas}. */
    public static InMemoryReplicas inMemory() {
        return new InMemoryReplicas();
    }

    /** Replicas the program's own source reports. */
    public static Discovery of(ReplicaSource source) {
        return new Program(Objects.requireNonNull(source, "source"));
    }

    /** The internal configuration this discovery stands for. */
    abstract BalancerConfig.Discovery toConfig();

    static final class File extends Discovery {
        private final Path file;

        private File(Path file) {
            this.file = file;
        }

        @Override
        BalancerConfig.Discovery toConfig() {
            return new BalancerConfig.FileDiscovery(file.toAbsolutePath().normalize());
        }
    }

    static final class Consul extends Discovery {
        private final String url;
        private final String token;

        private Consul(String url, String token) {
            this.url = url;
            this.token = token;
        }

        @Override
        BalancerConfig.Discovery toConfig() {
            return new BalancerConfig.ConsulDiscovery(ConsulSettings.of(ConsulSettings.normaliseUrl(url), token, null));
        }
    }

    static final class Program extends Discovery {
        private final ReplicaSource source;

        private Program(ReplicaSource source) {
            this.source = source;
        }

        @Override
        BalancerConfig.Discovery toConfig() {
            return new BalancerConfig.ProgramDiscovery(new ProgramReplicas(source));
        }
    }
}
