package io.canarybalancer.testsupport;

import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each H2 database handed out is a fresh, empty one of its own. */
class TestDatabasesTest {

    @Test
    void eachH2DatabaseIsItsOwn() {
        TestDatabase first = TestDatabases.of("h2");
        TestDatabase second = TestDatabases.of("h2");
        assertThat(first.url()).isNotEqualTo(second.url());

        Jdbi one = first.jdbi();
        one.useHandle(handle -> handle.execute("CREATE TABLE t (id INT)"));

        assertThat(tables(one)).containsExactly("T");
        assertThat(tables(second.jdbi())).isEmpty();
    }

    @Test
    void anUnknownKindIsRefused() {
        assertThatThrownBy(() -> TestDatabases.of("oracle")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("oracle");
    }

    private static List<String> tables(Jdbi jdbi) {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'PUBLIC'")
                .mapTo(String.class).list());
    }
}
