package io.canarybalancer.stack;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.canarybalancer.stack.StackFiles.REPLICA_SERVICES;
import static io.canarybalancer.stack.StackFiles.bindMounts;
import static io.canarybalancer.stack.StackFiles.environment;
import static io.canarybalancer.stack.StackFiles.service;
import static org.assertj.core.api.Assertions.assertThat;

/** PostgreSQL in compose: one database per service, created by the init script the services' settings name. */
class DatabaseTest {
    private static final Pattern DATABASE = Pattern.compile(
            "CREATE DATABASE\\s+(\\w+)\\s+OWNER\\s+(\\w+)\\s*;", Pattern.CASE_INSENSITIVE);
    private static final Pattern ROLE = Pattern.compile(
            "CREATE (?:ROLE|USER)\\s+(\\w+)\\s+(?:WITH\\s+)?LOGIN\\s+PASSWORD\\s+'([^']*)'\\s*;", Pattern.CASE_INSENSITIVE);

    /** The init script postgres mounts into /docker-entrypoint-initdb.d. */
    private static Path initScript() {
        return bindMounts(service("postgres")).entrySet().stream()
                .filter(e -> e.getValue().startsWith("/docker-entrypoint-initdb.d/"))
                .map(Map.Entry::getKey)
                .findFirst()
                .orElseThrow(() -> new AssertionError("postgres mounts no init script"));
    }

    private static Map<String, String> databaseOwners() {
        Map<String, String> owners = new HashMap<>();
        Matcher matcher = DATABASE.matcher(StackFiles.text(initScript()));
        while (matcher.find()) {
            owners.put(matcher.group(1), matcher.group(2));
        }
        return owners;
    }

    private static Map<String, String> rolePasswords() {
        Map<String, String> roles = new HashMap<>();
        Matcher matcher = ROLE.matcher(StackFiles.text(initScript()));
        while (matcher.find()) {
            roles.put(matcher.group(1), matcher.group(2));
        }
        return roles;
    }

    @Test
    void initScriptIsASqlFileThatExists() {
        assertThat(initScript()).isRegularFile();
        assertThat(initScript().toString()).endsWith(".sql");
    }

    @Test
    void initScriptCreatesOneDatabasePerServiceEachWithItsOwnRole() {
        assertThat(databaseOwners()).containsOnlyKeys("message", "credit");
        assertThat(databaseOwners().values()).doesNotHaveDuplicates();
        assertThat(rolePasswords()).containsKeys(databaseOwners().values().toArray(String[]::new));
    }

    @Test
    void everyReplicaUsesItsServicesDatabaseOnTheStacksPostgres() {
        Map<String, String> owners = databaseOwners();
        Map<String, String> passwords = rolePasswords();
        for (Map.Entry<String, String> replica : REPLICA_SERVICES.entrySet()) {
            Map<String, String> env = environment(service(replica.getKey()));
            assertThat(env).as(replica.getKey()).containsEntry("DATABASE_DRIVER", "org.postgresql.Driver");
            URI url = URI.create(env.get("DATABASE_URL").substring("jdbc:".length()));
            assertThat(url.getScheme()).isEqualTo("postgresql");
            assertThat(url.getHost()).as(replica.getKey()).isEqualTo("postgres");
            assertThat(url.getPort()).isIn(-1, 5432);
            String database = url.getPath().substring(1);
            String expected = replica.getValue().replace("-service", "");
            assertThat(database).as(replica.getKey() + "'s database").isEqualTo(expected);
            assertThat(env.get("DATABASE_USER")).as(replica.getKey()).isEqualTo(owners.get(database));
            assertThat(env.get("DATABASE_PASSWORD")).as(replica.getKey()).isEqualTo(passwords.get(env.get("DATABASE_USER")));
        }
    }

    @Test
    void postgresHealthCheckWaitsForTheRealServerNotTheInitOne() {
        JsonNode test = service("postgres").path("healthcheck").path("test");
        assertThat(String.join(" ", ComposeFileTest.strings(test))).contains("pg_isready").contains("-h");
    }
}
