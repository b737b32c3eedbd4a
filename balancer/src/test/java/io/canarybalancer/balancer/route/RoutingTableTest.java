package io.canarybalancer.balancer.route;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RoutingTableTest {
    private final RoutingTable table = RoutingTable.of(List.of(
            Replicas.route("/", Replicas.policy(Strategy.REPLICAS, 0), 1, 0),
            Replicas.route("/credit", Replicas.policy(Strategy.REPLICAS, 0), 1, 0),
            Replicas.route("/credit/admin/", Replicas.policy(Strategy.REPLICAS, 0), 1, 0)));

    @ParameterizedTest
    @CsvSource({
            "/version, /",
            "/, /",
            "/credit, /credit",
            "/credit/version, /credit",
            "/credit?x=1, /credit",
            "/credits, /",
            "/credit/admin, /credit",
            "/credit/admin/, /credit/admin/",
            "/credit/admin/users, /credit/admin/",
            "http://example.com/credit/version, /credit",
            "http://example.com, /",
            "*, /",
    })
    void theLongestCoveringPrefixWins(String target, String expectedPrefix) {
        assertThat(table.find(target).pathPrefix()).isEqualTo(expectedPrefix);
    }

    @Test
    void withoutARootRouteUncoveredPathsFindNothing() {
        RoutingTable onlyCredit = RoutingTable.of(List.of(
                Replicas.route("/credit", Replicas.policy(Strategy.REPLICAS, 0), 1, 0)));

        assertThat(onlyCredit.find("/version")).isNull();
        assertThat(onlyCredit.find("*")).isNull();
        assertThat(onlyCredit.find("/credit/x")).isNotNull();
    }

    @Test
    void keepsConfigurationOrderForDisplay() {
        assertThat(table.routes()).extracting(Route::pathPrefix).containsExactly("/", "/credit", "/credit/admin/");
        assertThat(table.route("/credit")).isSameAs(table.routes().get(1));
    }

    @Test
    void refusesTwoRoutesWithOnePrefix() {
        assertThatThrownBy(() -> RoutingTable.of(List.of(
                Replicas.route("/a", Replicas.policy(Strategy.REPLICAS, 0), 1, 0),
                Replicas.route("/a", Replicas.policy(Strategy.HEADER, 0), 1, 0))))
                .hasMessageContaining("/a");
    }

    @Test
    void theHolderStartsEmptyAndNeverHoldsNull() {
        RoutingTableHolder holder = new RoutingTableHolder();
        assertThat(holder.get().routes()).isEmpty();

        holder.set(table);
        holder.set(null);

        assertThat(holder.get()).isSameAs(table);
    }
}
