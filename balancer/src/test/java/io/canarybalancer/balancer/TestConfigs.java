package io.canarybalancer.balancer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** Writes balancer configurations and replica files for tests. */
public final class TestConfigs {

    private TestConfigs() {
    }

    /** A replica-file line for a backend. */
    public static String replica(TestBackend backend, String... extra) {
        String more = extra.length == 0 ? "" : ", " + String.join(", ", extra);
        return "  - {address: 127.0.0.1, port: " + backend.port() + ", id: " + backend.name() + more + "}\n";
    }

    /** A replica file with these stable and canary backends. */
    public static String replicas(List<TestBackend> stable, List<TestBackend> canary) {
        StringBuilder yaml = new StringBuilder("service-v1:\n");
        stable.forEach(backend -> yaml.append(replica(backend)));
        if (stable.isEmpty()) {
            yaml.setLength(0);
            yaml.append("service-v1: []\n");
        }
        yaml.append(canary.isEmpty() ? "service-v2: []\n" : "service-v2:\n");
        canary.forEach(backend -> yaml.append(replica(backend)));
        return yaml.toString();
    }

    /** Writes {@code content} to {@code file} atomically, as careful editors and deploy tools do. */
    public static void writeAtomically(Path file, String content) throws IOException {
        Path temp = Files.createTempFile(file.getParent(), ".replicas", ".tmp");
        Files.writeString(temp, content);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Puts {@code listen} (YAML, with its {@code listen:} key) in place of the config's one plain listener. */
    public static void listen(Path config, String listen) throws IOException {
        Files.writeString(config, Files.readString(config).replaceFirst("(?m)^listen: 127.0.0.1:0\n", listen));
    }

    /** A config listening on a free port with a replica file beside it, plus these extra lines. */
    public static Path config(Path dir, String replicaFile, String routesAndMore) throws IOException {
        Files.writeString(dir.resolve("replicas.yml"), replicaFile);
        Path config = dir.resolve("balancer.yml");
        Files.writeString(config, """
                listen: 127.0.0.1:0
                admin:
                  listen: 127.0.0.1:0
                discovery:
                  file: replicas.yml
                """ + routesAndMore);
        return config;
    }
}
