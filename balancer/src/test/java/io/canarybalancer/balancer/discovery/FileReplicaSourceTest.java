package io.canarybalancer.balancer.discovery;

import io.canarybalancer.balancer.config.yaml.ConfigException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class FileReplicaSourceTest {
    @TempDir
    Path dir;
    FileReplicaSource source;
    final BlockingQueue<Catalog> published = new LinkedBlockingQueue<>();

    @AfterEach
    void close() {
        if (source != null) {
            source.close();
        }
    }

    @Test
    void publishesTheFileAtStartThenEachGoodEdit() throws Exception {
        Path file = write("service-v1:\n  - {address: 127.0.0.1, port: 9001}\n");
        source = new FileReplicaSource(file);
        source.start(published::add);
        assertThat(next().instances("service-v1")).hasSize(1);

        replace(file, "service-v1:\n  - {address: 127.0.0.1, port: 9001}\n  - {address: 127.0.0.1, port: 9002}\n");

        assertThat(next().instances("service-v1")).hasSize(2);
    }

    @Test
    void aBrokenEditIsIgnoredAndTheNextGoodOneApplies() throws Exception {
        Path file = write("service-v1:\n  - {address: 127.0.0.1, port: 9001}\n");
        source = new FileReplicaSource(file);
        source.start(published::add);
        next();

        replace(file, "service-v1:\n  - {address: 127.0.0.1, port: [\n");
        replace(file, "service-v2:\n  - {address: 127.0.0.1, port: 9005}\n");

        Catalog catalog = next();
        assertThat(catalog.instances("service-v2")).hasSize(1);
        assertThat(catalog.instances("service-v1")).isEmpty();
        assertThat(published).isEmpty(); // the broken edit published nothing
    }

    @Test
    void aListenerThatThrowsDoesNotEndTheReloader() throws Exception {
        Path file = write("service-v1:\n  - {address: 127.0.0.1, port: 9001}\n");
        source = new FileReplicaSource(file);
        List<Throwable> failures = List.of(new AssertionError("an Error from the table build"),
                new IllegalStateException("a RuntimeException from the table build"));
        AtomicInteger calls = new AtomicInteger();
        source.start(catalog -> {
            int call = calls.getAndIncrement();
            if (call == 1 || call == 2) {
                Throwable failure = failures.get(call - 1);
                if (failure instanceof Error error) {
                    throw error;
                }
                throw (RuntimeException) failure;
            }
            published.add(catalog);
        });
        next();

        replace(file, "service-v1:\n  - {address: 127.0.0.1, port: 9002}\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() == 2);
        replace(file, "service-v1:\n  - {address: 127.0.0.1, port: 9003}\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() == 3);
        replace(file, "service-v1:\n  - {address: 127.0.0.1, port: 9004}\n");

        assertThat(next().instances("service-v1")).extracting(ServiceInstance::port).containsExactly(9004);
    }

    @Test
    void anInvalidFileFailsAtConstruction() throws Exception {
        Path file = write("service-v1: 12\n");

        assertThatThrownBy(() -> new FileReplicaSource(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("service-v1: must be a list");
    }

    @Test
    void aMissingFileFailsAtConstruction() {
        assertThatThrownBy(() -> new FileReplicaSource(dir.resolve("absent.yml")))
                .hasMessageContaining("replica file does not exist");
    }

    @Test
    void closeStopsTheWatchThread() throws Exception {
        source = new FileReplicaSource(write("service-v1: []\n"));
        source.start(published::add);

        source.close();

        assertThat(Thread.getAllStackTraces().keySet())
                .noneMatch(thread -> thread.getName().equals("replica-file-watch") && thread.isAlive());
    }

    private Catalog next() throws InterruptedException {
        Catalog catalog = published.poll(10, TimeUnit.SECONDS);
        assertThat(catalog).as("a catalog published within 10 s").isNotNull();
        return catalog;
    }

    private Path write(String yaml) throws Exception {
        Path file = dir.resolve("replicas.yml");
        Files.writeString(file, yaml);
        return file;
    }

    private void replace(Path file, String yaml) throws Exception {
        Path temp = dir.resolve("replicas.tmp");
        Files.writeString(temp, yaml);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
